import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Ref from "effect/Ref"
import { ApiGarbage, ApiUnreachable, UsageError } from "./ValidatorError.js"

/** HTTP methods the validator sends. */
export type Method = "GET" | "POST" | "DELETE"

/** One answer with its measured latency (request sent to body read). */
export interface ApiResponse {
  readonly status: number
  readonly ms: number
  readonly text: string
}

/** A request of the validator's own that got a non-2xx answer. */
export interface Failure {
  readonly method: Method
  readonly path: string
  readonly status: number
}

/** The validator's own requests so far. */
export interface Ledger {
  readonly requests: number
  /** Answers that were not expected (non-2xx, unless the request said otherwise). */
  readonly failures: number
  /** Own answers with a 5xx status (also counted by the API's `/metrics`, so never counted twice). */
  readonly server_errors: number
  /** The first failures (at most 20), for the report. */
  readonly examples: ReadonlyArray<Failure>
}

/** Where the API is and how to talk to it. */
export interface ApiClientOptions {
  readonly url: string
  /** Sent as `Authorization: Bearer`; never printed. */
  readonly token: Option.Option<Redacted.Redacted<string>>
  /** Sent as `X-Memory-Namespace` on every request: the namespace the validator seeds, reads and removes in. */
  readonly namespace: Option.Option<string>
  /** A request without an answer after this long counts as the API being unreachable. */
  readonly timeout: Duration.DurationInput
}

const MAX_EXAMPLES = 20

const is2xx = (status: number): boolean => status >= 200 && status <= 299

/** HTTP access to the API under test; counts every request and non-2xx answer of the validator's own. */
export class ApiClient extends Context.Tag("@memory-turso/validator/ApiClient")<
  ApiClient,
  {
    /** The base URL, as given (it never carries credentials). */
    readonly url: string
    /** The namespace every request names, or null for the token's default (`default` without auth). */
    readonly namespace: string | null
    /**
     * Sends one request (a JSON body is sent as is) and reads the whole answer; any status is a success here. The
     * ledger counts a non-2xx answer as a failure unless `expected` accepts its status.
     */
    readonly request: (
      method: Method,
      path: string,
      body?: string,
      expected?: (status: number) => boolean
    ) => Effect.Effect<ApiResponse, ApiUnreachable>
    /** Like `request`, then parses the body as JSON (non-JSON is `ApiGarbage`). */
    readonly json: (
      method: Method,
      path: string,
      body?: string
    ) => Effect.Effect<ApiResponse & { readonly json: unknown }, ApiUnreachable | ApiGarbage>
    readonly ledger: Effect.Effect<Ledger>
  }
>() {}

const NAMESPACE = /^[A-Za-z0-9._:-]{1,128}$/

/** Checks a namespace name: 1-128 characters from `[A-Za-z0-9._:-]`, not "." or "..". */
export const parseNamespace = (namespace: string): Effect.Effect<string, UsageError> =>
  NAMESPACE.test(namespace) && namespace !== "." && namespace !== ".."
    ? Effect.succeed(namespace)
    : Effect.fail(
        new UsageError({
          detail: `--namespace must be 1-128 characters from [A-Za-z0-9._:-], not . or .. (got ${JSON.stringify(namespace.slice(0, 140))})`
        })
      )

/** Checks a base URL: http(s), no credentials in it (use `--token`). */
export const parseBaseUrl = (url: string): Effect.Effect<URL, UsageError> =>
  Effect.gen(function* () {
    const parsed = yield* Effect.try({
      try: () => new URL(url),
      catch: () => new UsageError({ detail: `--url ${JSON.stringify(url)} is not a URL` })
    })
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:")
      return yield* new UsageError({ detail: `--url must be http:// or https:// (got ${parsed.protocol})` })
    if (parsed.username !== "" || parsed.password !== "")
      return yield* new UsageError({ detail: "--url must not carry credentials; pass the token with --token" })
    if (!parsed.pathname.endsWith("/")) parsed.pathname = `${parsed.pathname}/`
    return parsed
  })

/** The client over an `HttpClient`. */
export const make = (options: ApiClientOptions) =>
  Effect.gen(function* () {
    const base = yield* parseBaseUrl(options.url)
    const display = base.toString().replace(/\/$/, "")
    const client = (yield* HttpClient.HttpClient).pipe(HttpClient.withTracerPropagation(false))
    const ledger = yield* Ref.make<Ledger>({ requests: 0, failures: 0, server_errors: 0, examples: [] })
    const namespace = Option.isSome(options.namespace) ? yield* parseNamespace(options.namespace.value) : undefined
    const headers: Record<string, string> = {
      accept: "application/json",
      "user-agent": "memory-turso-validator",
      ...(namespace === undefined ? {} : { "x-memory-namespace": namespace })
    }
    const timeout = Duration.decode(options.timeout)
    let sequence = 0

    const unreachable = (reason: string) => new ApiUnreachable({ url: display, reason })

    const request = Effect.fn("ApiClient.request")(function* (
      method: Method,
      path: string,
      body?: string,
      expected: (status: number) => boolean = is2xx
    ) {
      const url = new URL(path.replace(/^\//, ""), base)
      let req = HttpClientRequest.make(method)(url).pipe(
        HttpClientRequest.setHeaders(headers),
        HttpClientRequest.setHeader("x-request-id", `validator-${++sequence}`)
      )
      if (Option.isSome(options.token)) req = HttpClientRequest.bearerToken(req, Redacted.value(options.token.value))
      if (body !== undefined) req = HttpClientRequest.bodyText(req, body, "application/json")
      const start = yield* Clock.currentTimeNanos
      const answer = yield* client.execute(req).pipe(
        Effect.flatMap((response) => Effect.map(response.text, (text) => ({ status: response.status, text }))),
        Effect.mapError((error) =>
          unreachable(`${method} /${url.pathname.slice(base.pathname.length)}: ${causeOf(error)}`)
        ),
        Effect.timeoutFail({
          duration: timeout,
          onTimeout: () => unreachable(`${method} ${path} got no answer within ${Duration.format(timeout)}`)
        })
      )
      const ms = Number((yield* Clock.currentTimeNanos) - start) / 1e6
      yield* Ref.update(ledger, (l) => {
        const counted = {
          ...l,
          requests: l.requests + 1,
          server_errors: l.server_errors + (answer.status >= 500 ? 1 : 0)
        }
        if (expected(answer.status)) return counted
        const examples =
          l.examples.length < MAX_EXAMPLES ? [...l.examples, { method, path, status: answer.status }] : l.examples
        return { ...counted, failures: l.failures + 1, examples }
      })
      return { status: answer.status, ms, text: answer.text }
    })

    const json = Effect.fn("ApiClient.json")(function* (method: Method, path: string, body?: string) {
      const response = yield* request(method, path, body)
      const parsed = yield* Effect.try({
        try: () => JSON.parse(response.text) as unknown,
        catch: () =>
          new ApiGarbage({
            endpoint: `${method} ${path}`,
            detail: `status ${response.status} with a body that is not JSON (${JSON.stringify(response.text.slice(0, 60))})`
          })
      })
      return { ...response, json: parsed }
    })

    return ApiClient.of({ url: display, namespace: namespace ?? null, request, json, ledger: Ref.get(ledger) })
  })

/** The transport error in plain words (connection refused, reset, DNS), without a stack. */
const causeOf = (error: { readonly cause?: unknown; readonly message: string }): string => {
  let cause: unknown = error.cause
  while (typeof cause === "object" && cause !== null && "cause" in cause && cause.cause !== undefined) {
    const next: unknown = cause.cause
    if (typeof next !== "object" || next === null) break
    cause = next
  }
  if (cause instanceof Error) return cause.message || (cause as NodeJS.ErrnoException).code || error.message
  return error.message
}

/** The client over Node's http/https with one keep-alive agent (as long-lived clients of the API use). */
export const layer = (options: ApiClientOptions): Layer.Layer<ApiClient, UsageError> =>
  Layer.effect(ApiClient, make(options)).pipe(
    Layer.provide(NodeHttpClient.layerWithoutAgent),
    Layer.provide(NodeHttpClient.makeAgentLayer({ keepAlive: true, maxSockets: 8 }))
  )
