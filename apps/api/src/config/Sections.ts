import * as Schema from "effect/Schema"
import { show } from "./ConfigIssue.js"
import { LEVELS } from "./RustLog.js"

/** A field schema whose every failure reads "expected <what>, got <value>". */
export const expecting = <A, I>(schema: Schema.Schema<A, I>, what: string) =>
  schema.annotations({
    message: (issue) => ({ message: `expected ${what}, got ${show(issue.actual)}`, override: true })
  })

/** An optional key that takes `value` when absent. */
export const withDefault = <A, I>(schema: Schema.Schema<A, I>, value: A) =>
  Schema.optionalWith(schema, { default: () => value, exact: true })

/** An integer > 0. */
export const PositiveInt = expecting(Schema.Int.pipe(Schema.positive()), "a positive integer")
/** An integer >= 0. */
export const NonNegativeInt = expecting(Schema.Int.pipe(Schema.nonNegative()), "a non-negative integer")
/** true or false. */
export const Bool = expecting(Schema.Boolean, "true or false")
/** A string. */
export const Text = expecting(Schema.String, "a string")

/** `[server]`: where the API listens. */
export const ServerSection = Schema.Struct({
  host: withDefault(Text, "127.0.0.1"),
  port: withDefault(expecting(Schema.Int.pipe(Schema.between(0, 65535)), "a port number 0-65535"), 3000),
  max_body_bytes: withDefault(PositiveInt, 32 * 1024 * 1024),
  shutdown_grace_ms: withDefault(NonNegativeInt, 10_000)
})

/** `[database]`: the URL and, preferably from the environment, the token. */
export const DatabaseSection = Schema.Struct({
  url: withDefault(expecting(Schema.NonEmptyString, "a database URL"), "file:./data/memory.db"),
  token: Schema.optionalWith(Schema.Redacted(Text), { exact: true }),
  /** Embedded only: prepared statements kept for re-use; 0 prepares every statement again. */
  statement_cache_size: withDefault(NonNegativeInt, 256)
})

/** `[monitoring]`: the periodic metrics log line and the log level. */
export const MonitoringSection = Schema.Struct({
  enabled: withDefault(Bool, true),
  metrics_interval_secs: withDefault(PositiveInt, 60),
  log_level: withDefault(expecting(Schema.Literal(...LEVELS), LEVELS.join(", ")), "info")
})

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

/** `[optimizations]` (from ENABLE_OPTIMIZATIONS): the master switch for keep-alive, compression and cache. */
export const OptimizationsSection = Schema.Struct({
  enabled: withDefault(Bool, true)
})
