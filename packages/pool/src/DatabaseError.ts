import * as Data from "effect/Data"

/** A statement or batch failed inside the database (constraint, syntax, ...). */
export class DatabaseError extends Data.TaggedError("DatabaseError")<{
  readonly operation: string
  readonly message: string
  readonly code?: string | undefined
}> {}

/** No connection of the pool became free within the acquire timeout (`connection_timeout_secs`). */
export class PoolTimeout extends Data.TaggedError("PoolTimeout")<{
  /** How long the caller waited, in milliseconds. */
  readonly waited_ms: number
  /** The pool size (`max_connections`); all of them were busy. */
  readonly max_connections: number
  /** Other callers still waiting when this one gave up. */
  readonly waiting: number
}> {
  override get message(): string {
    return (
      `no database connection became free within ${this.waited_ms} ms: all ${this.max_connections} connections ` +
      `are busy and ${this.waiting} other callers are waiting ` +
      "(raise connection_pool.max_connections or connection_pool.connection_timeout_secs)"
    )
  }
}

/**
 * A database call did not finish within its deadline (`requestTimeoutMs`, the API's
 * `database.request_timeout_secs`). Its outcome is unknown: a write may have been applied.
 */
export class DatabaseTimeout extends Data.TaggedError("DatabaseTimeout")<{
  readonly operation: string
  /** The deadline that passed, in milliseconds. */
  readonly timeout_ms: number
}> {
  override get message(): string {
    return (
      `the database did not answer ${this.operation} within ${this.timeout_ms} ms ` +
      "(raise database.request_timeout_secs if such calls are expected)"
    )
  }
}

/**
 * The database could not be reached or refused service (network, auth, busy, closed). A full pool is reported
 * as this error with `code: "POOL_TIMEOUT"` and the typed `timeout` attached; a call past its deadline with
 * `code: "DEADLINE_EXCEEDED"` and the typed `deadline` attached. Neither of those two is worth retrying at once:
 * the pool is saturated, or the database is slow and the call's outcome unknown.
 */
export class DatabaseUnavailable extends Data.TaggedError("DatabaseUnavailable")<{
  readonly operation: string
  readonly message: string
  readonly code?: string | undefined
  readonly timeout?: PoolTimeout | undefined
  readonly deadline?: DatabaseTimeout | undefined
}> {}

/** The configuration names a remote database but gives no auth token. */
export class MissingAuthToken extends Data.TaggedError("MissingAuthToken")<{
  readonly variable: string
}> {
  override get message(): string {
    return `a remote database URL needs an auth token: set ${this.variable}`
  }
}

/** The database URL cannot be used: it does not parse as a URL, or names a scheme that is not supported. */
export class InvalidDatabaseUrl extends Data.TaggedError("InvalidDatabaseUrl")<{
  /** The URL as given, with credentials (`authToken=`, `user:password@`) masked. */
  readonly url: string
  readonly reason: string
}> {
  override get message(): string {
    return `invalid database URL ${JSON.stringify(this.url)}: ${this.reason}`
  }
}

/** Failures of the `Database` service. */
export type DatabaseFailure = DatabaseError | DatabaseUnavailable
