import {
  ApiError,
  type CallOptions,
  createClient,
  type Exchange,
  InvalidResponseError,
  issuePath,
  type MemoryClient,
  NetworkError,
  TimeoutError
} from "@memory-turso/client"
import { isNamespace } from "@memory-turso/model"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { ApiGarbage, ApiUnreachable, UsageError } from "./ValidatorError.js"

/** HTTP methods the validator sends. */
export type Method = Exchange["method"]

/** A request of the validator's own that got a non-2xx answer. */
export interface Failure {
  readonly method: Method
  readonly path: string
  readonly status: number
}

/** The validator's own requests so far. */
export interface Ledger {
  readonly requests: number
  /** Answers that were not expected (non-2xx, unless the call said otherwise). */
  readonly failures: number
  /** Own answers with a 5xx status (also counted by the API's `/metrics`, so never counted twice). */
  readonly server_errors: number
  /** The first failures (at most 20), for the report. */
  readonly examples: ReadonlyArray<Failure>
}

/** One answered call: the decoded answer or the API's error answer, its status and its latency. */
export interface Answer<A> {
  /** The answer; an error answer (any non-2xx the route does not answer with its own body) is left for the caller. */
  readonly value: Either.Either<A, ApiError>
  readonly status: number
  /** From the request sent to the answer's body read (the client's observer), decoding not included. */
  readonly ms: number
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
  /** The fetch the client sends with (default: the global one); tests answer with their own. */
  readonly fetch?: typeof globalThis.fetch
}

const MAX_EXAMPLES = 20
/** Issues of an answer that does not decode named in a garbage message (the rest are counted). */
const MAX_ISSUES_SHOWN = 3

const is2xx = (status: number): boolean => status >= 200 && status <= 299

/**
 * The API under test, through `@memory-turso/client`; every call's exchange is counted in the ledger (with the
 * client's observer) and timed.
 */
export class ApiClient extends Context.Tag("@memory-turso/validator/ApiClient")<
  ApiClient,
  {
    /** The base URL, as given (it never carries credentials). */
    readonly url: string
    /** The namespace every request names, or null for the token's default (`default` without auth). */
    readonly namespace: string | null
    /**
     * Makes one client call. No answer (or none in time) is `ApiUnreachable`, an answer that does not decode is
     * `ApiGarbage`; any other answer succeeds. The ledger counts a non-2xx answer as a failure unless `expected`
     * accepts its status. The client never retries: the validator measures what the API answers.
     */
    readonly call: <A>(
      send: (client: MemoryClient, options: CallOptions) => Promise<A>,
      expected?: (status: number) => boolean
    ) => Effect.Effect<Answer<A>, ApiUnreachable | ApiGarbage>
    readonly ledger: Effect.Effect<Ledger>
  }
>() {}

/** Checks a namespace name with the model's rule: 1-128 characters from `[A-Za-z0-9._:-]`, not "." or "..". */
export const parseNamespace = (namespace: string): Effect.Effect<string, UsageError> =>
  isNamespace(namespace)
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
    return parsed
  })

/** An answer the client could not read, in the validator's words: the fields that break the contract. */
export const garbageOf = (error: InvalidResponseError): ApiGarbage => {
  const endpoint = `${error.method} ${error.path}`
  if (error.issues.length === 0) return new ApiGarbage({ endpoint, detail: `status ${error.status} ${error.detail}` })
  // `/metrics` is made of sections: a missing one is named as such.
  const sections = error.endpoint === "GET /metrics"
  const named = error.issues.slice(0, MAX_ISSUES_SHOWN).map(({ path, message }) => {
    const where =
      path.length === 0 ? "the body" : `${sections && path.length === 1 ? "section" : "field"} ${issuePath(path)}`
    return message === "is missing" ? `${where} ${message}` : `${where}: ${message}`
  })
  const more = error.issues.length - named.length
  return new ApiGarbage({ endpoint, detail: `${named.join("; ")}${more > 0 ? ` (and ${more} more)` : ""}` })
}

/** A call in flight: which statuses it expects, and its exchange once that ended. */
interface PendingCall {
  readonly expected: (status: number) => boolean
  exchange?: Exchange
}

/** The client over `fetch`, with the validator's ledger and latencies kept by its observer. */
export const make = (options: ApiClientOptions) =>
  Effect.gen(function* () {
    const base = yield* parseBaseUrl(options.url)
    const namespace = Option.isSome(options.namespace) ? yield* parseNamespace(options.namespace.value) : undefined
    const timeout = Duration.decode(options.timeout)
    const ledger = { requests: 0, failures: 0, server_errors: 0, examples: [] as Array<Failure> }
    /** Calls in flight by request id. */
    const calls = new Map<string, PendingCall>()
    const observe = (exchange: Exchange) => {
      const { method, path, status } = exchange
      // No answer: the call fails as unreachable; only answers are requests the API saw through.
      if (status === null) return
      const call = exchange.requestId === undefined ? undefined : calls.get(exchange.requestId)
      if (call !== undefined) call.exchange = exchange
      ledger.requests++
      if (status >= 500) ledger.server_errors++
      if ((call?.expected ?? is2xx)(status)) return
      ledger.failures++
      if (ledger.examples.length < MAX_EXAMPLES) ledger.examples.push({ method, path, status })
    }
    const client = createClient({
      url: base,
      token: Option.isSome(options.token) ? Redacted.value(options.token.value) : undefined,
      namespace,
      timeoutMs: Math.max(1, Math.round(Duration.toMillis(timeout))),
      retries: 0,
      headers: { "user-agent": "memory-turso-validator" },
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
      onResponse: observe
    })
    const display = client.url
    let sequence = 0

    /** A call's rejection: the API's error answer is an answer; no answer or one that does not decode fails. */
    const settle = <A>(error: unknown): Effect.Effect<Either.Either<A, ApiError>, ApiUnreachable | ApiGarbage> => {
      if (error instanceof ApiError) return Effect.succeed(Either.left(error))
      if (error instanceof TimeoutError)
        return Effect.fail(
          new ApiUnreachable({
            url: display,
            reason: `${error.method} ${error.path} got no answer within ${Duration.format(timeout)}`
          })
        )
      if (error instanceof NetworkError) return Effect.fail(new ApiUnreachable({ url: display, reason: error.message }))
      if (error instanceof InvalidResponseError) return Effect.fail(garbageOf(error))
      return Effect.die(error)
    }

    const call = Effect.fn("ApiClient.call")(function* <A>(
      send: (client: MemoryClient, options: CallOptions) => Promise<A>,
      expected: (status: number) => boolean = is2xx
    ) {
      const requestId = `validator-${++sequence}`
      const entry: PendingCall = { expected }
      calls.set(requestId, entry)
      const value: Either.Either<A, ApiError> = yield* Effect.tryPromise({
        try: (signal) => send(client, { signal, requestId }),
        catch: (error) => error
      }).pipe(
        Effect.map((answer) => Either.right(answer)),
        Effect.catchAll(settle<A>),
        Effect.ensuring(Effect.sync(() => calls.delete(requestId)))
      )
      const exchange = entry.exchange
      if (exchange?.status == null) return yield* Effect.dieMessage(`no answer was observed for ${requestId}`)
      return { value, status: exchange.status, ms: exchange.durationMs } satisfies Answer<A>
    })

    return ApiClient.of({
      url: display,
      namespace: namespace ?? null,
      call,
      ledger: Effect.sync(() => ({ ...ledger, examples: [...ledger.examples] }))
    })
  })

/** The client as a layer. */
export const layer = (options: ApiClientOptions): Layer.Layer<ApiClient, UsageError> =>
  Layer.effect(ApiClient, make(options))
