import { ERROR_CODES } from "@memory-turso/model"
import { type RouteSpec, routeKey } from "../http/RouteSpec.js"
import { ERRORS } from "./ErrorResponses.js"
import { makeJsonSchemas } from "./JsonSchemas.js"
import type { Header, OpenApiDocument, PathItem } from "./OpenApiDocument.js"
import { HEADERS, operationOf } from "./Operation.js"
import { headerParameters, NAMESPACE_PARAMETER, NAMESPACES, namespaceParameter } from "./Parameters.js"
import { openApiPath } from "./PathTemplate.js"
import { authenticationParagraph, BEARER_AUTH, bearerScheme } from "./Security.js"

/** What the document says the API is. */
export interface ApiInfo {
  readonly title: string
  readonly version: string
  /** The opening paragraph of the description. */
  readonly summary: string
}

const headers: Record<string, Header> = {
  [HEADERS.requestId]: {
    description: "The request's id: the client's own `X-Request-Id` when it is sane, else a new UUID.",
    schema: { type: "string" }
  },
  [HEADERS.wwwAuthenticate]: {
    description: '`Bearer realm="memory-turso"`, with `error="invalid_token"` when a token was presented.',
    schema: { type: "string" }
  },
  [HEADERS.etag]: {
    description:
      'The record\'s version as a strong entity tag (`"3"`): send it back as `If-Match` to write only that version.',
    schema: { type: "string", pattern: '^"[1-9][0-9]*"$' }
  },
  [HEADERS.replayed]: {
    description: "`true` when the response is the one kept for an earlier request with the same `Idempotency-Key`.",
    schema: { type: "string", enum: ["true"] }
  },
  [HEADERS.retryAfter]: {
    description: "On every 503: seconds to wait before trying again.",
    schema: { type: "integer", minimum: 0 }
  }
}

/**
 * The OpenAPI 3.1.0 document of the routes, generated from their declarations and the Effect Schemas they decode
 * and answer with (see `makeJsonSchemas`): every route as an operation, tagged, in declaration order; named
 * Schemas once under `components.schemas`; the bearer scheme and the namespace header as components; the error
 * codes in `x-error-codes` and in a table in `info.description`. Throws when a declaration cannot be described
 * (two routes with one method and path, an unknown error code, a Schema `effect/JSONSchema` cannot describe).
 */
export const makeOpenApiDocument = (specs: ReadonlyArray<RouteSpec>, info: ApiInfo): OpenApiDocument => {
  const schemas = makeJsonSchemas()
  const paths: Record<string, PathItem> = {}
  const operationIds = new Set<string>()
  for (const spec of specs) {
    const path = openApiPath(spec.path)
    const method = spec.method.toLowerCase() as keyof PathItem
    const item = paths[path] ?? {}
    paths[path] = item
    const operation = operationOf(spec, schemas)
    if (item[method] !== undefined || operationIds.has(operation.operationId)) {
      throw new Error(`${routeKey(spec)} is declared twice (or its operationId ${operation.operationId} is taken)`)
    }
    operationIds.add(operation.operationId)
    item[method] = operation
  }
  const publicRoutes = [...new Set(specs.filter((spec) => spec.access === "public").map((spec) => spec.path))]
  return {
    openapi: "3.1.0",
    info: {
      title: info.title,
      version: info.version,
      description: [info.summary, authenticationParagraph(publicRoutes), NAMESPACES, ERRORS].join("\n\n")
    },
    tags: [...new Set(specs.map((spec) => spec.tag))].map((name) => ({ name })),
    paths,
    components: {
      schemas: schemas.components(),
      parameters: { [NAMESPACE_PARAMETER]: namespaceParameter, ...headerParameters },
      headers,
      securitySchemes: { [BEARER_AUTH]: bearerScheme }
    },
    "x-error-codes": ERROR_CODES
  }
}
