import { isIdentifier, isNamespace, type Namespace, validationIssues } from "@memory-turso/model"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as ManagedRuntime from "effect/ManagedRuntime"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { describe, errorOf, type MemoryStoreError, type StorageFailure } from "../StoreError.js"

/** A failure the facade turns into a rejected Promise. */
export type FacadeFailure = StorageFailure | ParseResult.ParseError | MemoryStoreError

const isMemoryStoreError = (u: unknown): u is MemoryStoreError => u instanceof Error && "code" in u && !("_tag" in u)

/** The Error a failed operation rejects with. */
export const rejectionOf = (cause: Cause.Cause<FacadeFailure>): MemoryStoreError => {
  const failure = Cause.failureOption(cause)
  if (Option.isNone(failure)) {
    return errorOf({ code: "internal_error", message: "the store failed unexpectedly" })
  }
  const error = failure.value
  if (isMemoryStoreError(error)) return error
  if (ParseResult.isParseError(error)) {
    const issues = validationIssues(error)
    return errorOf({
      code: "validation_failed",
      message:
        issues.length === 1 ? `${issues[0]!.path}: ${issues[0]!.message}` : `${issues.length} fields are invalid`,
      issues
    })
  }
  return errorOf(describe(error))
}

/** Runs operations on the store's runtime: a value, or a rejection with a `MemoryStoreError`; none once closed. */
export const makeRunner = <R>(runtime: ManagedRuntime.ManagedRuntime<R, never>) => {
  let closed = false
  return {
    run: <A>(effect: Effect.Effect<A, FacadeFailure, R>): Promise<A> =>
      closed
        ? Promise.reject(errorOf({ code: "store_closed", message: "the store is closed" }))
        : runtime.runPromiseExit(effect).then((exit) => {
            if (Exit.isSuccess(exit)) return exit.value
            throw rejectionOf(exit.cause)
          }),
    close: async () => {
      if (closed) return
      closed = true
      await runtime.dispose()
    }
  }
}

/** Decodes wire input with a model Schema as the API does: every problem at once, unknown fields refused. */
export const decodeInput =
  <A, I>(schema: Schema.Schema<A, I>) =>
  (input: unknown): Effect.Effect<A, ParseResult.ParseError> =>
    Schema.decodeUnknown(schema)(input, { errors: "all", onExcessProperty: "error" })

/** An id as the API takes it, or a `validation_failed` naming `path`. */
export const checkId = (id: string, path = "id"): Effect.Effect<string, MemoryStoreError> =>
  isIdentifier(id)
    ? Effect.succeed(id)
    : Effect.fail(
        errorOf({
          code: "validation_failed",
          message: `${path}: expected 1-128 characters from [A-Za-z0-9._:-] (not . or ..)`,
          issues: [{ path, message: "expected 1-128 characters from [A-Za-z0-9._:-] (not . or ..)" }]
        })
      )

/** A namespace name, or a thrown `invalid_namespace` (namespaces are chosen synchronously). */
export const namespaceOf = (name: string): Namespace => {
  if (isNamespace(name)) return name
  throw errorOf({
    code: "invalid_namespace",
    message: "a namespace is 1-128 characters from [A-Za-z0-9._:-] (not . or ..)",
    issues: [{ path: "namespace", message: "expected 1-128 characters from [A-Za-z0-9._:-] (not . or ..)" }]
  })
}
