import * as Schema from "effect/Schema"
import { expecting } from "./ConfigIssue.js"

const withDefault = <A, I>(schema: Schema.Schema<A, I>, value: A) =>
  Schema.optionalWith(schema, { default: () => value, exact: true })

const NonNegativeInt = expecting(Schema.Int.pipe(Schema.nonNegative()), "a non-negative integer")
const PositiveInt = expecting(Schema.Int.pipe(Schema.positive()), "a positive integer")
const Seconds = expecting(Schema.Number.pipe(Schema.finite(), Schema.positive()), "a positive number of seconds")

/** `[database]`: the URL and, preferably from the environment, the token. */
export const DatabaseSection = Schema.Struct({
  url: withDefault(expecting(Schema.NonEmptyString, "a database URL"), "file:./data/memory.db"),
  token: Schema.optionalWith(Schema.Redacted(expecting(Schema.String, "a string")), { exact: true }),
  /** Embedded only: prepared statements kept for re-use; 0 prepares every statement again. */
  statement_cache_size: withDefault(NonNegativeInt, 256),
  /**
   * The deadline of every database call, in seconds (may be fractional): past it the call fails as unavailable
   * (`DEADLINE_EXCEEDED`, the API answers 503), is not retried, and a remote request is abandoned.
   */
  request_timeout_secs: withDefault(Seconds, 10)
})
export type DatabaseSection = typeof DatabaseSection.Type

/** `[retry]`: retries of idempotent database calls that failed as unavailable. */
export const RetrySection = Schema.Struct({
  max_retries: withDefault(NonNegativeInt, 3),
  retry_base_delay_ms: withDefault(PositiveInt, 100),
  retry_max_delay_ms: withDefault(PositiveInt, 5000)
}).pipe(
  Schema.filter((s) =>
    s.retry_base_delay_ms > s.retry_max_delay_ms
      ? {
          path: ["retry_base_delay_ms"],
          message: `expected at most retry_max_delay_ms (${s.retry_max_delay_ms}), got ${s.retry_base_delay_ms}`
        }
      : undefined
  )
)
export type RetrySection = typeof RetrySection.Type

/** `[optimizations]` (from ENABLE_OPTIMIZATIONS): the master switch for keep-alive, compression and cache. */
export const OptimizationsSection = Schema.Struct({
  enabled: withDefault(expecting(Schema.Boolean, "true or false"), true)
})
export type OptimizationsSection = typeof OptimizationsSection.Type
