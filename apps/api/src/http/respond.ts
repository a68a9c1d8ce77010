import { randomUUID } from "node:crypto"
import type { Database } from "@memory-turso/pool"
import type { Storage } from "@memory-turso/storage-core"
import { describe, type MemoryStore, type StorageFailure } from "@memory-turso/store"
import * as Cause from "effect/Cause"
import * as EffectContext from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import type * as ManagedRuntime from "effect/ManagedRuntime"
import * as Option from "effect/Option"
import type * as Tracer from "effect/Tracer"
import type { Context } from "hono"
import type { StatusCode } from "hono/utils/http-status"
import type { Telemetry } from "../telemetry/Telemetry.js"
import { parseTraceparent } from "../telemetry/Tracing.js"
import type { AccessControl } from "./Access.js"
import { ApiError, internalError } from "./ApiError.js"
import { CLIENT_CLOSED_REQUEST, watchHangUp } from "./HangUp.js"
import type { Lifecycle } from "./Lifecycle.js"
import type { RequestMetrics } from "./RequestMetrics.js"

/** The services request handlers may use. */
export type AppServices =
  | Storage.Storage
  | Database.Database
  | RequestMetrics
  | MemoryStore.StoreStatus
  | AccessControl
  | Lifecycle
  | Telemetry

/** Failures a handler may end with; each maps to one status and code. */
export type HandlerError = ApiError | StorageFailure

/** What the application keeps per request. */
export interface AppEnv {
  readonly Variables: {
    readonly requestId: string
    /** The request's server span (requests answered through the Effect runtime). */
    readonly span?: Tracer.Span
  }
}

/** A request's context in this application. */
export type AppContext = Context<AppEnv>

/** Runs a handler effect for one request and turns every outcome into a response. */
export type Run = (
  c: AppContext,
  effect: Effect.Effect<Response, HandlerError, AppServices>
) => Response | Promise<Response>

const JSON_TYPE = "application/json; charset=utf-8"

/** A request id a client may choose: short, printable, no separators that could forge log fields. */
const CLIENT_ID = /^[\w.:-]{1,128}$/

/** The Node adapter's raw request, when the request came through it (not in `app.request` tests). */
export const incomingOf = (c: AppContext) =>
  (c.env as { incoming?: { headers: Record<string, string | Array<string> | undefined> } } | undefined)?.incoming

/**
 * One request header (lower-case name), read from the Node adapter's raw request when there is one: asking the web
 * Request for a header would build a Headers object of every incoming header. Repeated headers read as absent.
 */
export const headerOf = (c: AppContext, name: string): string | undefined => {
  const incoming = incomingOf(c)
  const raw = incoming === undefined ? c.req.header(name) : incoming.headers[name]
  return typeof raw === "string" ? raw : undefined
}

/** The request's id: the client's own (`x-request-id`) if it is sane, else a new UUID; fixed on first use. */
export const requestIdOf = (c: AppContext): string => {
  let id = c.get("requestId")
  if (id === undefined) {
    const sent = headerOf(c, "x-request-id")
    id = sent !== undefined && CLIENT_ID.test(sent) ? sent : randomUUID()
    c.set("requestId", id)
  }
  return id
}

/** The `Retry-After` of every 503 answer, in seconds: the database, the pool or the server may serve by then. */
export const RETRY_AFTER_SECS = 1

const RETRY_AFTER = { "retry-after": String(RETRY_AFTER_SECS) }

/**
 * A response with the request id header (and `Retry-After` on a 503, whatever produced it). Built directly with a
 * plain header object: going through the context (`c.body`, `c.header`) builds a Headers object for every
 * response, which the Node adapter then converts back.
 */
export const send = (
  c: AppContext,
  status: StatusCode,
  body: string | Uint8Array | null,
  headers: Record<string, string> = {}
): Response =>
  new Response(body, {
    status,
    headers:
      status === 503
        ? { "x-request-id": requestIdOf(c), ...RETRY_AFTER, ...headers }
        : { "x-request-id": requestIdOf(c), ...headers }
  })

/** A JSON response from text that is already JSON (with any extra headers, such as `ETag`). */
export const json = (
  c: AppContext,
  body: string,
  status: StatusCode = 200,
  headers: Record<string, string> = {}
): Response => send(c, status, body, { "content-type": JSON_TYPE, ...headers })

/** A response from bytes that are already JSON (cached documents: no serialising, no encoding). */
export const jsonBytes = (c: AppContext, body: Uint8Array, headers: Record<string, string> = {}): Response =>
  send(c, 200, body, { "content-type": JSON_TYPE, ...headers })

/** 204 No Content. */
export const noContent = (c: AppContext): Response => send(c, 204, null)

/** An error response (with the error's own headers, such as `WWW-Authenticate`, and any extra, such as `Allow`). */
export const errorResponse = (c: AppContext, error: ApiError, headers: Record<string, string> = {}): Response =>
  send(c, error.status, error.body(), { "content-type": JSON_TYPE, ...error.headers, ...headers })

/** The API error for a domain failure: the code and message the Promise store rejects with too. */
export const toApiError = (error: HandlerError): ApiError => {
  if (error._tag === "ApiError") return error
  const { code, issues, message } = describe(error)
  // A write whose outcome is unknown may be retried once it is safe: after a read, or with If-Match / a key.
  return new ApiError(code, message, issues, code === "outcome_unknown" ? { "retry-after": "1" } : undefined)
}

/** Runs a log line under the request's span (its server span, else the caller's `traceparent`), for its ids. */
export const withSpanOf =
  (c: AppContext) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> => {
    const span = c.get("span") ?? Option.getOrUndefined(callerSpanOf(c))
    return span === undefined ? effect : Effect.withParentSpan(effect, span)
  }

/** Records a finished request: its route (the matched one unless given), status and latency. */
export type Observe = (c: AppContext, response: Response, ms: number, route?: string) => void

/**
 * Answers a request synchronously outside the Effect runtime (a cache hit), observed like any other under the
 * given route.
 */
export const makeServe =
  (observe: Observe) =>
  (c: AppContext, route: string, answer: () => Response): Response => {
    const start = performance.now()
    const response = answer()
    observe(c, response, performance.now() - start, route)
    return response
  }

/** See `makeServe`. */
export type Serve = ReturnType<typeof makeServe>

/** The caller's span named by the request's W3C `traceparent` header, if any. */
export const callerSpanOf = (c: AppContext): Option.Option<Tracer.AnySpan> =>
  Option.fromNullable(parseTraceparent(headerOf(c, "traceparent")))

/**
 * A runner over the application runtime, built once at start. A handler runs synchronously as far as it can (one
 * that never waits answers without a promise); one that waits on I/O continues on its fiber and answers when it
 * is done. Each request runs under a server span named after its route (a child of the caller's `traceparent`):
 * the spans of its work are its children, and its log lines carry its trace id.
 */
export const makeRun = (
  runtime: ManagedRuntime.ManagedRuntime<AppServices, never>,
  observe: Observe,
  routeOf: (c: AppContext) => string
): Run => {
  const tracer = runtime.runSync(Effect.tracer)
  const clock = runtime.runSync(Effect.clock)
  const serverSpan = (c: AppContext, route: string): Tracer.Span => {
    const span = tracer.span(
      route === "unmatched" ? c.req.method : route,
      callerSpanOf(c),
      EffectContext.empty(),
      [],
      clock.unsafeCurrentTimeNanos(),
      "server"
    )
    span.attribute("http.request.method", c.req.method)
    span.attribute("http.route", route.slice(route.indexOf(" ") + 1))
    span.attribute("request.id", c.get("requestId"))
    c.set("span", span)
    return span
  }
  const answer = (c: AppContext, exit: Exit.Exit<Response, HandlerError>): Response => {
    if (Exit.isSuccess(exit)) return exit.value
    const failure = Cause.failureOption(exit.cause)
    const error = Option.isSome(failure) ? toApiError(failure.value) : internalError()
    if (Option.isNone(failure)) {
      runtime.runFork(
        Effect.logError("request failed", exit.cause).pipe(
          Effect.annotateLogs({ request_id: c.get("requestId") }),
          withSpanOf(c)
        )
      )
    } else if (error.status >= 500) {
      runtime.runFork(
        Effect.logWarning(error.code, failure.value.message).pipe(
          Effect.annotateLogs({ request_id: c.get("requestId") }),
          withSpanOf(c)
        )
      )
    }
    return errorResponse(c, error)
  }
  /** The answer to a request whose client hung up: nobody reads it, but it is observed (as 499). */
  const abandoned = (c: AppContext): Response => {
    runtime.runFork(
      Effect.logDebug("the client closed the request; its work was interrupted").pipe(
        Effect.annotateLogs({ request_id: c.get("requestId") }),
        withSpanOf(c)
      )
    )
    return send(c, CLIENT_CLOSED_REQUEST as StatusCode, null)
  }
  return (c, effect) => {
    const start = performance.now()
    requestIdOf(c)
    const route = routeOf(c)
    const span = serverSpan(c, route)
    let hungUp = false
    const respond = (exit: Exit.Exit<Response, HandlerError>) => {
      const response = hungUp && Exit.isInterrupted(exit) ? abandoned(c) : answer(c, exit)
      span.attribute("http.response.status_code", response.status)
      span.end(clock.unsafeCurrentTimeNanos(), response.status >= 500 ? exit : Exit.void)
      observe(c, response, performance.now() - start, route)
      return response
    }
    // The fiber runs on this call stack until it completes or waits on I/O. It always succeeds with the handler's
    // exit, so expected failures (404s) are not reported as unhandled.
    const fiber = runtime.runFork(Effect.exit(Effect.withParentSpan(effect, span)))
    const done = fiber.unsafePoll()
    if (done !== null) return respond(Exit.isSuccess(done) ? done.value : Exit.failCause(done.cause))
    // A handler that waits stops when its client hangs up: a wait for a pooled connection, or a database call in
    // flight, is interrupted and its slot freed at once (a remote request is abandoned, its connection discarded).
    const unwatch = watchHangUp(c.env, () => {
      hungUp = true
      fiber.unsafeInterruptAsFork(FiberId.none)
    })
    return new Promise<Response>((resolve) =>
      fiber.addObserver((exit) => {
        unwatch()
        resolve(respond(Exit.isSuccess(exit) ? exit.value : Exit.failCause(exit.cause)))
      })
    )
  }
}
