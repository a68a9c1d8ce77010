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

/** A web origin as browsers send it in `Origin`: scheme, host and optional port, no path. */
const ORIGIN = /^https?:\/\/[^\s/?#@]+$/i

/** `[server]`: where the API listens, and which web origins may call it (none by default). */
export const ServerSection = Schema.Struct({
  host: withDefault(Text, "127.0.0.1"),
  port: withDefault(expecting(Schema.Int.pipe(Schema.between(0, 65535)), "a port number 0-65535"), 3000),
  shutdown_grace_ms: withDefault(NonNegativeInt, 10_000),
  allowed_origins: withDefault(
    Schema.Array(
      expecting(
        Schema.String.pipe(Schema.pattern(ORIGIN)),
        "an origin such as https://app.example.com (scheme://host[:port], no path)"
      )
    ),
    []
  ),
  /** How long an Idempotency-Key is kept per namespace (a repeated write answers the first response meanwhile). */
  idempotency_window_secs: withDefault(PositiveInt, 24 * 3600)
})

/** `[monitoring]`: the periodic metrics log line and the log level. */
export const MonitoringSection = Schema.Struct({
  enabled: withDefault(Bool, true),
  metrics_interval_secs: withDefault(PositiveInt, 60),
  log_level: withDefault(expecting(Schema.Literal(...LEVELS), LEVELS.join(", ")), "info")
})

/** An OTLP/HTTP base URL: http(s), no credentials in it. */
const OTLP_URL = /^https?:\/\/[^\s/?#@]+(\/[^\s?#]*)?$/i

/**
 * `[telemetry]`: OpenTelemetry export (off until `otlp_endpoint` or `OTEL_EXPORTER_OTLP_ENDPOINT` names a
 * collector's OTLP/HTTP base URL) and the label allow-list of per-namespace request counts.
 */
export const TelemetrySection = Schema.Struct({
  // The message does not echo the value: a URL with credentials in it must not reach the logs.
  otlp_endpoint: Schema.optionalWith(
    Schema.String.pipe(Schema.pattern(OTLP_URL)).annotations({
      message: () => ({ message: "expected an http(s) URL without credentials, e.g. http://otel:4318", override: true })
    }),
    { exact: true }
  ),
  sampling_ratio: withDefault(expecting(Schema.Number.pipe(Schema.between(0, 1)), "a number from 0 to 1"), 1),
  export_interval_secs: withDefault(PositiveInt, 10),
  service_name: withDefault(Text, "memory-turso-api"),
  namespace_labels: withDefault(
    expecting(Schema.Array(Schema.String).pipe(Schema.maxItems(100)), "at most 100 namespace names"),
    ["default"]
  )
})
