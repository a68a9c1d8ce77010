import type * as Schema from "effect/Schema"
import type { ParamSpec } from "./queryParams.js"

/** What a token may be allowed to do. */
export type Scope = "read" | "write" | "admin" | "metrics"

/** Who may call a route: anyone (`public`: probes and the API description), or holders of one scope. */
export type AccessRule = Scope | "public"

/** An HTTP method the API answers. */
export type Method = "GET" | "POST" | "PUT" | "DELETE"

/** A media type a route's request body may have: JSON, or newline-delimited JSON for streaming routes. */
export type BodyMediaType = "application/json" | "application/x-ndjson"

/** One documented response of a route. */
export interface ResponseSpec {
  readonly description: string
  /** The JSON body (absent for 204 and for the non-JSON bodies below). */
  readonly body?: Schema.Schema.Any
  /** A non-JSON body: its media type and a JSON Schema of it. */
  readonly media?: { readonly type: string; readonly schema: object }
  /** The response carries the record's version as a strong `ETag`. */
  readonly etag?: boolean
}

/** Request headers a route honours besides auth and the namespace: write conditions. */
export type RequestHeader = "If-Match" | "Idempotency-Key"

/**
 * A route as declared once: what it answers, who may call it, what it decodes and answers. The server registers
 * its handler from it; the OpenAPI document is generated from the same declarations and Schemas.
 */
export interface RouteSpec {
  readonly method: Method
  /** The path as Hono matches it (`/episodes/:id`). */
  readonly path: string
  /** A group in the API description (`episodes`, `operations`, ...). */
  readonly tag: string
  readonly summary: string
  readonly description?: string
  readonly access: AccessRule
  /** The route works in one namespace, taken from `X-Memory-Namespace` (or the token's default). */
  readonly namespaced: boolean
  /** Path parameters: name -> Schema (each a string schema). */
  readonly params?: Readonly<Record<string, Schema.Schema.Any>>
  /** Query parameters: how each maps onto a field of `query`, the Schema the route decodes them with. */
  readonly query?: { readonly params: ParamSpec; readonly schema: Schema.Schema.Any }
  /** Request headers the route honours (`If-Match` on one record's writes, `Idempotency-Key` on creates). */
  readonly headers?: ReadonlyArray<RequestHeader>
  /** The JSON request body, as the route decodes it. */
  readonly body?: Schema.Schema.Any
  /**
   * The media type a request body must carry (default `application/json`; a `charset=utf-8` parameter is allowed);
   * any other answers 415 `unsupported_media_type`, on every route, before the body is read.
   */
  readonly mediaType?: BodyMediaType
  /** Success responses by status. */
  readonly responses: Readonly<Record<number, ResponseSpec>>
  /** Error codes this route can answer besides the ones every route can (see `ApiError`). */
  readonly errors: ReadonlyArray<string>
}

/** The route's key as metrics and logs name it: `GET /episodes/:id`. */
export const routeKey = (spec: Pick<RouteSpec, "method" | "path">): string => `${spec.method} ${spec.path}`
