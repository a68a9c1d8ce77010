import * as Data from "effect/Data"

/** A statement or batch failed inside the database (constraint, syntax, ...). */
export class DatabaseError extends Data.TaggedError("DatabaseError")<{
  readonly operation: string
  readonly message: string
  readonly code?: string | undefined
}> {}

/** The database could not be reached or refused service (network, auth, busy, closed). */
export class DatabaseUnavailable extends Data.TaggedError("DatabaseUnavailable")<{
  readonly operation: string
  readonly message: string
  readonly code?: string | undefined
}> {}

/** The configuration names a remote database but gives no auth token. */
export class MissingAuthToken extends Data.TaggedError("MissingAuthToken")<{
  readonly variable: string
}> {
  override get message(): string {
    return `a remote database URL needs an auth token: set ${this.variable}`
  }
}

/** Failures of the `Database` service. */
export type DatabaseFailure = DatabaseError | DatabaseUnavailable
