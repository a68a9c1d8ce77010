import type { ErrorCode, Issue } from "@memory-turso/model"
import type { DatabaseError, DatabaseUnavailable } from "@memory-turso/pool"
import type {
  CorruptPayload,
  DictionaryUnavailable,
  IdempotencyKeyUsed,
  InvalidCursor,
  NotFound,
  OutcomeUnknown,
  PreconditionFailed
} from "@memory-turso/storage-core"

/** What a storage operation can fail with. */
export type StorageFailure =
  | NotFound
  | InvalidCursor
  | CorruptPayload
  | DatabaseError
  | DatabaseUnavailable
  | DictionaryUnavailable
  | PreconditionFailed
  | IdempotencyKeyUsed
  | OutcomeUnknown

/** A failure as the API and the Promise store report it: a stable code and a message that holds no secret. */
export interface Described {
  readonly code: ErrorCode
  readonly message: string
  readonly issues?: ReadonlyArray<Issue>
}

/**
 * The code and message of a storage failure: the same for an HTTP answer and for a rejected Promise. Database
 * messages are not passed on (they may name tables or values); the codes say what happened.
 */
export const describe = (error: StorageFailure): Described => {
  switch (error._tag) {
    case "NotFound":
      return { code: "not_found", message: error.message }
    case "InvalidCursor":
      return { code: "invalid_cursor", message: error.message, issues: [{ path: "cursor", message: error.message }] }
    case "CorruptPayload":
      return { code: "corrupt_record", message: error.message }
    case "DatabaseUnavailable":
      if (error.timeout !== undefined) {
        return { code: "pool_timeout", message: "every database connection is busy; try again" }
      }
      return error.deadline !== undefined
        ? {
            code: "database_unavailable",
            message: `the database did not answer within ${error.deadline.timeout_ms / 1000} s; try again`
          }
        : { code: "database_unavailable", message: "the database is not reachable; try again" }
    case "DatabaseError":
      return { code: "database_error", message: "the database rejected the operation" }
    case "DictionaryUnavailable":
      return { code: "dictionary_unavailable", message: error.message }
    case "PreconditionFailed":
      return { code: "precondition_failed", message: error.message }
    case "IdempotencyKeyUsed":
      return { code: "idempotency_key_reused", message: error.message }
    case "OutcomeUnknown":
      return {
        code: "outcome_unknown",
        message: "the database stopped answering during the write; it may or may not have been applied"
      }
  }
}

/** Codes only the Promise store answers with (no HTTP request is involved). */
export type StoreOnlyCode = "invalid_configuration" | "could_not_start" | "store_closed"

/** A rejected operation of the Promise store: `code` is the one the HTTP API answers with for the same failure. */
export class MemoryStoreError extends Error {
  override readonly name: string = "MemoryStoreError"
  constructor(
    readonly code: ErrorCode | StoreOnlyCode,
    message: string,
    readonly issues?: ReadonlyArray<Issue>
  ) {
    super(message)
  }
}

/** No record with this id in the namespace (`not_found`). */
export class NotFoundError extends MemoryStoreError {
  override readonly name = "NotFoundError"
}

/** The input does not fit the model (`validation_failed`, `invalid_cursor`, `invalid_namespace`); see `issues`. */
export class ValidationError extends MemoryStoreError {
  override readonly name = "ValidationError"
}

/**
 * The database cannot be reached, or every connection is busy (`database_unavailable`, `pool_timeout`): retry. A
 * write that failed so may have been applied (`outcome_unknown`): read before repeating it.
 */
export class UnavailableError extends MemoryStoreError {
  override readonly name = "UnavailableError"
}

/** The store could not do it (`database_error`, `corrupt_record`, `dictionary_unavailable`, `internal_error`). */
export class OperationError extends MemoryStoreError {
  override readonly name = "OperationError"
}

/** The configuration is invalid, the store could not start, or it is closed. */
export class LifecycleError extends MemoryStoreError {
  override readonly name = "LifecycleError"
}

/** The Error subclass a code belongs to. */
export const errorOf = (described: { readonly code: ErrorCode | StoreOnlyCode } & Omit<Described, "code">) => {
  const { code, issues, message } = described
  switch (code) {
    case "not_found":
      return new NotFoundError(code, message, issues)
    case "validation_failed":
    case "invalid_cursor":
    case "invalid_namespace":
      return new ValidationError(code, message, issues)
    case "database_unavailable":
    case "pool_timeout":
    case "outcome_unknown":
      return new UnavailableError(code, message, issues)
    case "invalid_configuration":
    case "could_not_start":
    case "store_closed":
      return new LifecycleError(code, message, issues)
    default:
      return new OperationError(code, message, issues)
  }
}
