import type {
  CorruptPayload,
  Database,
  DatabaseError,
  DatabaseUnavailable,
  InvalidCursor,
  NotFound,
  Storage
} from "@memory-turso/storage-core"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as ManagedRuntime from "effect/ManagedRuntime"
import * as Option from "effect/Option"
import type { Context } from "hono"
import type { StackStatus } from "../stack/StackStatus.js"
import { ApiError, internalError } from "./ApiError.js"
import type { RequestMetrics } from "./RequestMetrics.js"

/** The services request handlers may use. */
export type AppServices = Storage.Storage | Database.Database | RequestMetrics | StackStatus

/** Failures a handler may end with; each maps to one status and code. */
export type HandlerError = ApiError | NotFound | InvalidCursor | CorruptPayload | DatabaseError | DatabaseUnavailable

/** Runs a handler effect for one request and turns every outcome into a response. */
export type Run = (c: Context, effect: Effect.Effect<Response, HandlerError, AppServices>) => Promise<Response>

const JSON_TYPE = "application/json; charset=utf-8"

/** A JSON response from text that is already JSON. */
export const json = (c: Context, body: string, status: 200 | 201 = 200): Response =>
  c.body(body, status, { "content-type": JSON_TYPE })

/** An error response. */
export const errorResponse = (c: Context, error: ApiError): Response =>
  c.body(error.body(), error.status, { "content-type": JSON_TYPE })

/** The API error for a domain failure. */
export const toApiError = (error: HandlerError): ApiError => {
  switch (error._tag) {
    case "ApiError":
      return error
    case "NotFound":
      return new ApiError(404, "not_found", error.message)
    case "InvalidCursor":
      return new ApiError(422, "invalid_cursor", error.message, [{ path: "cursor", message: error.message }])
    case "CorruptPayload":
      return new ApiError(500, "corrupt_record", error.message)
    case "DatabaseUnavailable":
      return error.timeout !== undefined
        ? new ApiError(503, "pool_timeout", "every database connection is busy; try again")
        : new ApiError(503, "database_unavailable", "the database is not reachable; try again")
    case "DatabaseError":
      return new ApiError(500, "database_error", "the database rejected the operation")
  }
}

/** A runner over the application runtime, built once at start. */
export const makeRun =
  (runtime: ManagedRuntime.ManagedRuntime<AppServices, never>): Run =>
  (c, effect) =>
    runtime
      .runPromise(
        // The fiber itself always succeeds with the exit: expected failures (404s) are not "unhandled errors".
        Effect.exit(
          effect.pipe(
            Effect.tapErrorCause((cause) =>
              Cause.isFailure(cause) && !Cause.isDie(cause)
                ? Effect.void
                : Effect.logError("request failed", cause).pipe(Effect.annotateLogs({ request_id: c.get("requestId") }))
            )
          )
        )
      )
      .then((exit) => {
        if (Exit.isSuccess(exit)) return exit.value
        const failure = Cause.failureOption(exit.cause)
        const error = Option.isSome(failure) ? toApiError(failure.value) : internalError()
        if (error.status >= 500 && Option.isSome(failure)) {
          runtime.runFork(
            Effect.logWarning(error.code, failure.value.message).pipe(
              Effect.annotateLogs({ request_id: c.get("requestId") })
            )
          )
        }
        return errorResponse(c, error)
      })
