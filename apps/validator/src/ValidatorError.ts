import * as Data from "effect/Data"

/** The API could not be reached, or did not answer in time. Exit code 3. */
export class ApiUnreachable extends Data.TaggedError("ApiUnreachable")<{
  readonly url: string
  readonly reason: string
}> {
  override get message() {
    return `the API at ${this.url} is unreachable: ${this.reason}`
  }
}

/** The API answered something that breaks its contract (bad JSON, a missing or non-numeric field). Exit code 3. */
export class ApiGarbage extends Data.TaggedError("ApiGarbage")<{
  readonly endpoint: string
  readonly detail: string
}> {
  override get message() {
    return `the API answered garbage: ${this.endpoint}: ${this.detail}`
  }
}

/** A bad invocation: an option value, a thresholds or baseline file that cannot be used. Exit code 4. */
export class UsageError extends Data.TaggedError("UsageError")<{
  readonly detail: string
}> {
  override get message() {
    return `usage error: ${this.detail}`
  }
}

/** Everything that stops a validation before it can judge the API. */
export type ValidatorError = ApiUnreachable | ApiGarbage | UsageError
