import * as Schema from "effect/Schema"
import { Features } from "./Responses.js"

const Count = Schema.NonNegativeInt
const Fraction = Schema.Number.pipe(Schema.between(0, 1))
const NonNegative = Schema.Number.pipe(Schema.nonNegative())

/** A feature section that is off: exactly `{"enabled": false}`. */
export const Disabled = Schema.Struct({ enabled: Schema.Literal(false) }).annotations({ identifier: "Disabled" })

/** A feature section: `{"enabled": false}`, or `enabled: true` with its figures. */
const section = <Fields extends Schema.Struct.Fields>(identifier: string, fields: Fields) =>
  Schema.Union(Disabled, Schema.Struct({ enabled: Schema.Literal(true), ...fields }).annotations({ identifier }))

const perCache = Schema.Struct({ episodes: Count, patterns: Count, queries: Count })

/** The storage caches (episodes, patterns, query results): hits and misses by kind, rates as fractions 0..1. */
export const CacheMetrics = section("CacheMetrics", {
  hit_rate: Fraction,
  episode_hit_rate: Fraction,
  pattern_hit_rate: Fraction,
  query_hit_rate: Fraction,
  hits: Count,
  misses: Count,
  episode_hits: Count,
  episode_misses: Count,
  pattern_hits: Count,
  pattern_misses: Count,
  query_hits: Count,
  query_misses: Count,
  evictions: Count,
  expirations: Count,
  oversized: Count,
  entries: perCache,
  approx_bytes: perCache,
  /** Coherence across processes: the last change-feed entry applied (0 when the caches do not follow the feed). */
  feed_position: Count,
  /** Milliseconds since the last successful feed read started: how old a cache hit may be now. */
  feed_lag_ms: Count,
  feed_reads: Count,
  /** Feed reads carried by keep-alive pings (no request of their own). */
  feed_reads_carried: Count,
  feed_read_failures: Count,
  /** Feed entries applied. */
  feed_entries: Count,
  /** Cached entries (records and query results) dropped because the feed named them. */
  feed_invalidations: Count,
  /** Times the caches were cleared because this process fell behind what the feed still holds. */
  full_clears: Count,
  /** Reads sent to the database because the feed had not been read for `max_staleness_ms`. */
  stale_bypasses: Count,
  feed_trims: Count
})

/** The codec: bytes in and out (`ratio` = out / in), outcomes of encodes and decodes, time spent; its dictionaries. */
export const CompressionMetrics = section("CompressionMetrics", {
  algorithm: Schema.Literal("zstd", "gzip", "none"),
  level: Count,
  zstd_available: Schema.Boolean,
  dictionary_id: Count,
  dictionaries: Count,
  dictionary_evictions: Count,
  bytes_in: Count,
  bytes_out: Count,
  ratio: NonNegative,
  savings: Schema.Number,
  compressed: Count,
  stored_plain: Count,
  codec_unavailable: Count,
  above_decode_limit: Count,
  failed: Count,
  decoded: Count,
  decode_failed: Count,
  codec_restarts: Count,
  codec_reload_failures: Count,
  compress_calls: Count,
  compress_us_total: NonNegative,
  compress_us_avg: NonNegative,
  decompress_calls: Count,
  decompress_us_total: NonNegative,
  decompress_us_avg: NonNegative,
  /** Dictionaries stored in the database (as of this process's last build or sweep). */
  dictionaries_stored: Count,
  /** Dictionaries this process built (the first one, on demand, on drift); of those, on drift; failed builds. */
  dictionary_builds: Count,
  dictionary_rebuilds: Count,
  dictionary_build_failures: Count,
  /** Dictionaries this process's sweeps removed because no row used them. */
  dictionary_removals: Count,
  /** The current dictionary's ratio on held-out episodes when built, and that of the latest episode writes (0: none). */
  dictionary_held_out_ratio: NonNegative,
  dictionary_recent_ratio: NonNegative
})

const poolFields = {
  max: Count,
  active: Count,
  idle: Count,
  waiting: Count,
  utilization: Fraction,
  total_acquired: Count,
  avg_wait_ms: NonNegative,
  max_wait_ms: NonNegative,
  timeouts: Count,
  connections_created: Count,
  connections_replaced: Count,
  health_checks: Count,
  health_check_failures: Count,
  sockets_opened: Count,
  sockets_closed: Count,
  sockets_open: Count,
  sockets_closed_idle: Count,
  requests: Count
}

/** The connection pool's figures (also under `database.pool`). */
export const PoolFigures = Schema.Struct(poolFields).annotations({ identifier: "PoolFigures" })

/** The connection pool: slots in use, queue, waits, timeouts, sockets. */
export const PoolMetrics = section("PoolMetrics", poolFields)

/** Keep-alive of remote connections: pings, stale connections, time saved (measured cold against warm requests). */
export const KeepAliveMetrics = section("KeepAliveMetrics", {
  active: Schema.Boolean,
  connections_created: Count,
  connections_refreshed: Count,
  stale_detected: Count,
  stale_rate: Fraction,
  pings: Count,
  ping_failures: Count,
  cold_requests: Count,
  warm_requests: Count,
  avg_cold_ms: NonNegative,
  avg_warm_ms: NonNegative,
  avg_time_saved_ms: Schema.Number,
  requests_kept_warm: Count,
  time_saved_ms: Schema.Number,
  observed_server_idle_close_ms: Schema.NullOr(NonNegative)
})

/** The embedded prepared-statement cache. */
export const PreparedStatementMetrics = section("PreparedStatementMetrics", {
  hits: Count,
  misses: Count,
  hit_rate: Fraction,
  avg_prep_time_us: NonNegative,
  cached: Count,
  capacity: Count,
  evictions: Count,
  invalidations: Count
})

/** Retries of database calls that failed as unavailable, and the policy. */
export const RetryMetrics = section("RetryMetrics", {
  max_retries: Count,
  retry_base_delay_ms: Count,
  retry_max_delay_ms: Count,
  retries: Count,
  recovered: Count,
  gave_up: Count
})

/** One route's requests: counts (5xx `errors`, 4xx `client_errors`) and latency percentiles in milliseconds. */
export const RouteMetrics = Schema.Struct({
  count: Count,
  errors: Count,
  client_errors: Count,
  p50_ms: NonNegative,
  p95_ms: NonNegative,
  p99_ms: NonNegative,
  max_ms: NonNegative,
  mean_ms: NonNegative
}).annotations({ identifier: "RouteMetrics" })

/** Authentication: requests and refusals (403) per token name, and requests refused with 401. Never a secret. */
export const AuthMetrics = section("AuthMetrics", {
  requests: Schema.Record({ key: Schema.String, value: Count }),
  denied: Schema.Record({ key: Schema.String, value: Count }),
  unauthenticated: Count
})

/** Database calls made through the `Database` service. */
export const DatabaseMetrics = Schema.Struct({
  kind: Schema.Literal("embedded", "remote"),
  executes: Count,
  batches: Count,
  transactions: Count,
  statements: Count,
  /** Calls that failed, those past their deadline included. */
  errors: Count,
  /** Calls that did not finish within `database.request_timeout_secs` (optional: older servers do not send it). */
  deadline_exceeded: Schema.optionalWith(Count, { exact: true }),
  pool: Schema.optionalWith(PoolFigures, { exact: true })
}).annotations({ identifier: "DatabaseMetrics" })

/** The process: memory and uptime. */
export const ProcessMetrics = Schema.Struct({
  rss_bytes: Count,
  heap_used_bytes: Count,
  uptime_s: NonNegative
}).annotations({ identifier: "ProcessMetrics" })

/** The sections a memory store reports about itself (the Promise facade's `stats()` and part of `/metrics`). */
export const StoreMetrics = Schema.Struct({
  optimizations: Schema.Literal("enabled", "disabled"),
  features: Features,
  cache: CacheMetrics,
  compression: CompressionMetrics,
  pool: PoolMetrics,
  /** The same object as `pool` (the name operators' dashboards already use). */
  connection_pool: PoolMetrics,
  keepalive: KeepAliveMetrics,
  prepared_statements: PreparedStatementMetrics,
  retry: RetryMetrics,
  database: DatabaseMetrics
}).annotations({ identifier: "StoreMetrics" })
export type StoreMetrics = typeof StoreMetrics.Type

/**
 * The `GET /metrics` JSON body: the store's sections, requests per route (`"METHOD /route"`), authentication and the
 * process. The API writes it through this Schema and its clients read it through the same one.
 */
export const Metrics = Schema.Struct({
  ...StoreMetrics.fields,
  requests: Schema.Record({ key: Schema.String, value: RouteMetrics }),
  auth: AuthMetrics,
  process: ProcessMetrics
}).annotations({ identifier: "Metrics" })
export type Metrics = typeof Metrics.Type
