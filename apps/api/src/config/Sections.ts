import { ConfigIssue } from "@memory-turso/store"
import * as Schema from "effect/Schema"
import { LEVELS } from "./RustLog.js"

const { expecting } = ConfigIssue

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

/** `[monitoring]`: the periodic metrics log line and the log level. */
export const MonitoringSection = Schema.Struct({
  enabled: withDefault(Bool, true),
  metrics_interval_secs: withDefault(PositiveInt, 60),
  log_level: withDefault(expecting(Schema.Literal(...LEVELS), LEVELS.join(", ")), "info")
})

/** `[limits]` keys of responses: the byte budget of one page (list or search) or batch read, 4 MiB by default. */
export const ResponseLimits = {
  max_response_bytes: withDefault(PositiveInt, 4 * 1024 * 1024)
}

/** `[limits]`: how much one request may make the server hold. */
export const LimitsSection = Schema.Struct({ ...ResponseLimits })
