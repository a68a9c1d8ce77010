import type { Metrics, RouteMetrics } from "@memory-turso/model"

/** The `/metrics` body as the model's `Metrics` encodes it: what the API writes, the stub serves, tests decode. */
export type MetricsBody = typeof Metrics.Encoded

/** The figures the validator's tests choose; every other field of the body gets a fixed, valid value. */
export interface Figures {
  /** Episode cache hits and misses (rates follow from them), or a disabled cache. */
  readonly cache: { readonly hits: number; readonly misses: number } | "disabled"
  readonly compression: { readonly bytes_in: number; readonly bytes_out: number }
  readonly poolTimeouts: number
  readonly staleRate: number
  /** Requests and 5xx per "METHOD /route". */
  readonly requests: Readonly<Record<string, { readonly count: number; readonly errors: number }>>
  readonly process: MetricsBody["process"]
}

/** One route's entry: its request and 5xx counts (latencies 0). */
export const route = (count: number, errors: number): typeof RouteMetrics.Encoded => ({
  count,
  errors,
  client_errors: 0,
  p50_ms: 0,
  p95_ms: 0,
  p99_ms: 0,
  max_ms: 0,
  mean_ms: 0
})

const rate = (part: number, whole: number) => (whole === 0 ? 0 : part / whole)
const off = { enabled: false } as const

const pool = (timeouts: number) => ({
  max: 4,
  active: 1,
  idle: 3,
  waiting: 0,
  utilization: 0.25,
  total_acquired: 10,
  avg_wait_ms: 0,
  max_wait_ms: 0,
  timeouts,
  connections_created: 4,
  connections_replaced: 0,
  health_checks: 0,
  health_check_failures: 0,
  sockets_opened: 4,
  sockets_closed: 0,
  sockets_open: 4,
  sockets_closed_idle: 0,
  requests: 10
})

const cacheSection = (cache: Figures["cache"]): MetricsBody["cache"] => {
  if (cache === "disabled") return off
  const { hits, misses } = cache
  const none = { episodes: 0, patterns: 0, queries: 0 }
  return {
    enabled: true,
    hit_rate: rate(hits, hits + misses),
    episode_hit_rate: rate(hits, hits + misses),
    pattern_hit_rate: 0,
    query_hit_rate: 0,
    hits,
    misses,
    episode_hits: hits,
    episode_misses: misses,
    pattern_hits: 0,
    pattern_misses: 0,
    query_hits: 0,
    query_misses: 0,
    evictions: 0,
    expirations: 0,
    oversized: 0,
    entries: none,
    approx_bytes: none,
    feed_position: 0,
    feed_lag_ms: 0,
    feed_reads: 0,
    feed_reads_carried: 0,
    feed_read_failures: 0,
    feed_entries: 0,
    feed_invalidations: 0,
    full_clears: 0,
    stale_bypasses: 0,
    feed_trims: 0
  }
}

const compressionSection = ({ bytes_in, bytes_out }: Figures["compression"]): MetricsBody["compression"] => ({
  enabled: true,
  algorithm: "zstd",
  level: 3,
  zstd_available: true,
  dictionary_id: 0,
  dictionaries: 0,
  dictionary_evictions: 0,
  bytes_in,
  bytes_out,
  ratio: bytes_in === 0 ? 1 : bytes_out / bytes_in,
  savings: bytes_in === 0 ? 0 : 1 - bytes_out / bytes_in,
  compressed: 0,
  stored_plain: 0,
  codec_unavailable: 0,
  above_decode_limit: 0,
  failed: 0,
  decoded: 0,
  decode_failed: 0,
  codec_restarts: 0,
  codec_reload_failures: 0,
  compress_calls: 0,
  compress_us_total: 0,
  compress_us_avg: 0,
  decompress_calls: 0,
  decompress_us_total: 0,
  decompress_us_avg: 0,
  dictionaries_stored: 0,
  dictionary_builds: 0,
  dictionary_rebuilds: 0,
  dictionary_build_failures: 0,
  dictionary_removals: 0,
  dictionary_held_out_ratio: 0,
  dictionary_recent_ratio: 0
})

const keepAliveSection = (staleRate: number): MetricsBody["keepalive"] => ({
  enabled: true,
  active: true,
  connections_created: 4,
  connections_refreshed: 1,
  stale_detected: 0,
  stale_rate: staleRate,
  pings: 0,
  ping_failures: 0,
  cold_requests: 0,
  warm_requests: 0,
  avg_cold_ms: 0,
  avg_warm_ms: 0,
  avg_time_saved_ms: 40,
  requests_kept_warm: 0,
  time_saved_ms: 0,
  observed_server_idle_close_ms: null
})

/**
 * A whole `/metrics` body of a remote-database API with the cache, compression, pool and keep-alive on (prepared
 * statements, retries and authentication off). Typed as the model encodes it, so a change of the contract breaks
 * the compiler here, not a test at run time.
 */
export const metricsBody = (figures: Figures): MetricsBody => ({
  optimizations: "enabled",
  features: {
    keepalive: true,
    compression: true,
    cache: figures.cache !== "disabled",
    prepared_statements: false,
    batch_operations: true
  },
  cache: cacheSection(figures.cache),
  compression: compressionSection(figures.compression),
  pool: { enabled: true, ...pool(figures.poolTimeouts) },
  connection_pool: { enabled: true, ...pool(figures.poolTimeouts) },
  keepalive: keepAliveSection(figures.staleRate),
  prepared_statements: off,
  retry: off,
  database: {
    kind: "remote",
    executes: 10,
    batches: 2,
    transactions: 0,
    statements: 12,
    errors: 0,
    pool: pool(figures.poolTimeouts)
  },
  requests: Object.fromEntries(Object.entries(figures.requests).map(([name, r]) => [name, route(r.count, r.errors)])),
  auth: off,
  process: figures.process
})
