import type { Metrics } from "@memory-turso/model"

/** Label values of one series. */
export type Labels = Readonly<Record<string, string>>

/** One series of a figure: its labels and value. */
export type Sample = readonly [labels: Labels, value: number]

/**
 * One figure the store already counts (its sections of the `/metrics` JSON), exposed as a Prometheus metric: a
 * counter (only grows; the name ends in `_total`) or a gauge, in base units, read from the JSON snapshot at
 * collection time. A section that is off reads as zeros, so the set of series does not depend on the configuration.
 */
export interface Figure {
  readonly name: string
  readonly kind: "counter" | "gauge"
  readonly help: string
  /** The figure's series; a plain number is one series without labels. */
  readonly read: (metrics: Metrics) => number | ReadonlyArray<Sample>
}

const counter = (name: string, help: string, read: Figure["read"]): Figure => ({ name, kind: "counter", help, read })
const gauge = (name: string, help: string, read: Figure["read"]): Figure => ({ name, kind: "gauge", help, read })

/** A section's fields when it is on; none when it is off (every read then falls back to 0). */
const on = <S extends { readonly enabled: boolean }>(section: S): Partial<Extract<S, { enabled: true }>> =>
  section.enabled ? (section as Extract<S, { enabled: true }>) : {}

const n = (value: number | null | undefined) => value ?? 0
const bit = (value: boolean | undefined) => (value === true ? 1 : 0)
const perKind = (label: string, values: Readonly<Record<string, number | undefined>>): ReadonlyArray<Sample> =>
  Object.entries(values).map(([key, value]) => [{ [label]: key }, n(value)])
const perKey = (label: string, values: Readonly<Record<string, number>> | undefined): ReadonlyArray<Sample> =>
  Object.entries(values ?? {}).map(([key, value]) => [{ [label]: key }, value])

/**
 * A cache figure of the change feed (issue 14, merged separately): read by name so this table compiles before and
 * after the `/metrics` JSON gains the field; 0 while it does not have it.
 */
const feed = (m: Metrics, key: string): number => n((on(m.cache) as Record<string, number | undefined>)[key])

const P = "memory_turso"

/**
 * Every store figure Prometheus and OpenTelemetry see, in one table. To publish a new field of the `/metrics` JSON
 * (declared in `@memory-turso/model`'s `Metrics.ts`), add one line here: a counter for what only grows, a gauge
 * for a level; base units (`_seconds`, `_bytes`); rates and averages are left to PromQL (`rate`, division), and
 * settings go to `memory_turso_info`. `test/storeFigures.test.ts` fails while a numeric JSON field is neither here
 * nor listed in `UNPUBLISHED` with its reason (a setting counts as published once `infoLabels` carries it).
 */
export const FIGURES: ReadonlyArray<Figure> = [
  // Features.
  gauge(`${P}_feature_enabled`, "1 when the feature is active, else 0.", (m) => [
    [{ feature: "cache" }, bit(m.cache.enabled)],
    [{ feature: "compression" }, bit(m.compression.enabled)],
    [{ feature: "pool" }, bit(m.pool.enabled)],
    [{ feature: "keepalive" }, bit(m.keepalive.enabled)],
    [{ feature: "prepared_statements" }, bit(m.prepared_statements.enabled)],
    [{ feature: "retry" }, bit(m.retry.enabled)]
  ]),
  // Caches.
  counter(`${P}_cache_hits_total`, "Cache lookups answered from the cache, by cache.", (m) => {
    const c = on(m.cache)
    return perKind("cache", { episodes: c.episode_hits, patterns: c.pattern_hits, queries: c.query_hits })
  }),
  counter(`${P}_cache_misses_total`, "Cache lookups that went to the database, by cache.", (m) => {
    const c = on(m.cache)
    return perKind("cache", { episodes: c.episode_misses, patterns: c.pattern_misses, queries: c.query_misses })
  }),
  counter(`${P}_cache_evictions_total`, "Entries evicted to stay within capacity.", (m) => n(on(m.cache).evictions)),
  counter(`${P}_cache_expirations_total`, "Entries dropped when their TTL passed.", (m) => n(on(m.cache).expirations)),
  counter(`${P}_cache_oversized_total`, "Values too large to cache, served uncached.", (m) => n(on(m.cache).oversized)),
  gauge(`${P}_cache_entries`, "Entries held, by cache.", (m) => perKind("cache", { ...on(m.cache).entries })),
  gauge(`${P}_cache_size_bytes`, "Approximate bytes held, by cache.", (m) =>
    perKind("cache", { ...on(m.cache).approx_bytes })
  ),
  // Coherence across processes (the change feed).
  gauge(`${P}_cache_feed_position`, "The last change-feed entry applied (0: not following the feed).", (m) =>
    feed(m, "feed_position")
  ),
  gauge(
    `${P}_cache_feed_lag_seconds`,
    "Time since the last successful feed read started: how old a hit may be.",
    (m) => feed(m, "feed_lag_ms") / 1000
  ),
  counter(`${P}_cache_feed_reads_total`, "Change-feed reads.", (m) => feed(m, "feed_reads")),
  counter(`${P}_cache_feed_reads_carried_total`, "Change-feed reads carried by keep-alive pings.", (m) =>
    feed(m, "feed_reads_carried")
  ),
  counter(`${P}_cache_feed_read_failures_total`, "Change-feed reads that failed.", (m) =>
    feed(m, "feed_read_failures")
  ),
  counter(`${P}_cache_feed_entries_total`, "Change-feed entries applied.", (m) => feed(m, "feed_entries")),
  counter(`${P}_cache_feed_invalidations_total`, "Cached entries dropped because the feed named them.", (m) =>
    feed(m, "feed_invalidations")
  ),
  counter(`${P}_cache_full_clears_total`, "Cache clears after falling behind the feed's window.", (m) =>
    feed(m, "full_clears")
  ),
  counter(`${P}_cache_stale_bypasses_total`, "Reads sent to the database because the feed was not read in time.", (m) =>
    feed(m, "stale_bypasses")
  ),
  counter(`${P}_cache_feed_trims_total`, "Trims of the change feed's table.", (m) => feed(m, "feed_trims")),
  // Compression.
  counter(`${P}_compression_input_bytes_total`, "Bytes given to the codec to encode.", (m) =>
    n(on(m.compression).bytes_in)
  ),
  counter(`${P}_compression_output_bytes_total`, "Bytes the codec stored for them.", (m) =>
    n(on(m.compression).bytes_out)
  ),
  counter(`${P}_compression_encodes_total`, "Values written, by outcome.", (m) => {
    const c = on(m.compression)
    return perKind("outcome", {
      compressed: c.compressed,
      stored_plain: c.stored_plain,
      codec_unavailable: c.codec_unavailable,
      above_decode_limit: c.above_decode_limit,
      failed: c.failed
    })
  }),
  counter(`${P}_compression_decodes_total`, "Values read back, by outcome.", (m) => {
    const c = on(m.compression)
    return perKind("outcome", { ok: c.decoded, failed: c.decode_failed })
  }),
  counter(`${P}_compression_codec_calls_total`, "Calls into the codec, by direction.", (m) => {
    const c = on(m.compression)
    return perKind("direction", { compress: c.compress_calls, decompress: c.decompress_calls })
  }),
  counter(`${P}_compression_codec_seconds_total`, "Time spent in the codec, by direction.", (m) => {
    const c = on(m.compression)
    return [
      [{ direction: "compress" }, n(c.compress_us_total) / 1e6],
      [{ direction: "decompress" }, n(c.decompress_us_total) / 1e6]
    ]
  }),
  counter(`${P}_compression_codec_restarts_total`, "Codec restarts after a failure.", (m) =>
    n(on(m.compression).codec_restarts)
  ),
  counter(`${P}_compression_codec_reload_failures_total`, "Codec restarts that failed.", (m) =>
    n(on(m.compression).codec_reload_failures)
  ),
  gauge(`${P}_compression_dictionaries`, "Dictionaries loaded in this process.", (m) =>
    n(on(m.compression).dictionaries)
  ),
  gauge(`${P}_compression_dictionaries_stored`, "Dictionaries stored in the database (last build or sweep).", (m) =>
    n(on(m.compression).dictionaries_stored)
  ),
  gauge(`${P}_compression_dictionary_id`, "The id of the dictionary new writes use (0: none).", (m) =>
    n(on(m.compression).dictionary_id)
  ),
  counter(`${P}_compression_dictionary_builds_total`, "Dictionaries built by this process, by reason.", (m) => {
    const c = on(m.compression)
    return [
      [{ reason: "first" }, n(c.dictionary_builds) - n(c.dictionary_rebuilds)],
      [{ reason: "drift" }, n(c.dictionary_rebuilds)]
    ]
  }),
  counter(`${P}_compression_dictionary_build_failures_total`, "Dictionary builds that failed.", (m) =>
    n(on(m.compression).dictionary_build_failures)
  ),
  counter(`${P}_compression_dictionary_removals_total`, "Unused dictionaries removed by sweeps.", (m) =>
    n(on(m.compression).dictionary_removals)
  ),
  counter(`${P}_compression_dictionary_evictions_total`, "Dictionaries dropped from memory.", (m) =>
    n(on(m.compression).dictionary_evictions)
  ),
  gauge(`${P}_compression_dictionary_ratio`, "The current dictionary's ratio (out/in), by sample.", (m) => {
    const c = on(m.compression)
    return perKind("sample", { held_out: c.dictionary_held_out_ratio, recent: c.dictionary_recent_ratio })
  }),
  // Connection pool (pool waits: the memory_turso_pool_acquire_wait_seconds histogram).
  gauge(`${P}_pool_max_connections`, "Connections the pool may open (the limit saturation is measured against).", (m) =>
    n(on(m.pool).max)
  ),
  gauge(`${P}_pool_connections`, "Connections by state.", (m) => {
    const p = on(m.pool)
    return perKind("state", { active: p.active, idle: p.idle })
  }),
  gauge(`${P}_pool_waiting`, "Callers waiting for a connection.", (m) => n(on(m.pool).waiting)),
  counter(`${P}_pool_acquires_total`, "Connections handed out.", (m) => n(on(m.pool).total_acquired)),
  counter(`${P}_pool_acquire_timeouts_total`, "Waits for a connection that timed out.", (m) => n(on(m.pool).timeouts)),
  counter(`${P}_pool_connections_created_total`, "Connections opened.", (m) => n(on(m.pool).connections_created)),
  counter(`${P}_pool_connections_replaced_total`, "Broken connections replaced.", (m) =>
    n(on(m.pool).connections_replaced)
  ),
  counter(`${P}_pool_health_checks_total`, "Health checks of idle connections, by outcome.", (m) => {
    const p = on(m.pool)
    return [
      [{ outcome: "ok" }, n(p.health_checks) - n(p.health_check_failures)],
      [{ outcome: "failed" }, n(p.health_check_failures)]
    ]
  }),
  gauge(`${P}_pool_sockets_open`, "Sockets open to a remote database.", (m) => n(on(m.pool).sockets_open)),
  counter(`${P}_pool_sockets_opened_total`, "Sockets opened to a remote database.", (m) =>
    n(on(m.pool).sockets_opened)
  ),
  counter(`${P}_pool_sockets_closed_total`, "Sockets closed, by reason.", (m) => {
    const p = on(m.pool)
    return [
      [{ reason: "idle" }, n(p.sockets_closed_idle)],
      [{ reason: "other" }, n(p.sockets_closed) - n(p.sockets_closed_idle)]
    ]
  }),
  counter(`${P}_pool_remote_requests_total`, "HTTP requests sent to a remote database.", (m) => n(on(m.pool).requests)),
  // Keep-alive.
  gauge(`${P}_keepalive_active`, "1 when keep-alive pings run (remote database).", (m) => bit(on(m.keepalive).active)),
  counter(`${P}_keepalive_connections_created_total`, "Connections keep-alive opened.", (m) =>
    n(on(m.keepalive).connections_created)
  ),
  counter(`${P}_keepalive_connections_refreshed_total`, "Stale connections refreshed.", (m) =>
    n(on(m.keepalive).connections_refreshed)
  ),
  counter(`${P}_keepalive_stale_detected_total`, "Connections found stale.", (m) => n(on(m.keepalive).stale_detected)),
  counter(`${P}_keepalive_pings_total`, "Keep-alive pings, by outcome.", (m) => {
    const k = on(m.keepalive)
    return [
      [{ outcome: "ok" }, n(k.pings) - n(k.ping_failures)],
      [{ outcome: "failed" }, n(k.ping_failures)]
    ]
  }),
  counter(`${P}_keepalive_requests_total`, "Database requests by connection temperature.", (m) => {
    const k = on(m.keepalive)
    return perKind("connection", { cold: k.cold_requests, warm: k.warm_requests })
  }),
  counter(`${P}_keepalive_requests_kept_warm_total`, "Requests that found a connection kept warm.", (m) =>
    n(on(m.keepalive).requests_kept_warm)
  ),
  gauge(
    `${P}_keepalive_time_saved_seconds`,
    "Estimated time saved by warm connections (cold minus warm).",
    (m) => n(on(m.keepalive).time_saved_ms) / 1000
  ),
  gauge(
    `${P}_keepalive_server_idle_close_seconds`,
    "The server's idle close time as observed (0: not seen).",
    (m) => n(on(m.keepalive).observed_server_idle_close_ms) / 1000
  ),
  // Prepared statements.
  counter(`${P}_prepared_statements_lookups_total`, "Prepared-statement cache lookups, by result.", (m) => {
    const s = on(m.prepared_statements)
    return perKind("result", { hit: s.hits, miss: s.misses })
  }),
  gauge(`${P}_prepared_statements_cached`, "Prepared statements held.", (m) => n(on(m.prepared_statements).cached)),
  counter(`${P}_prepared_statements_evictions_total`, "Prepared statements evicted.", (m) =>
    n(on(m.prepared_statements).evictions)
  ),
  counter(`${P}_prepared_statements_invalidations_total`, "Prepared statements invalidated by schema changes.", (m) =>
    n(on(m.prepared_statements).invalidations)
  ),
  // Retries.
  counter(`${P}_retry_attempts_total`, "Database calls retried after failing as unavailable.", (m) =>
    n(on(m.retry).retries)
  ),
  counter(`${P}_retry_outcomes_total`, "Retried calls, by outcome.", (m) => {
    const r = on(m.retry)
    return perKind("outcome", { recovered: r.recovered, gave_up: r.gave_up })
  }),
  // Database calls (their durations: memory_turso_db_operation_duration_seconds).
  counter(`${P}_db_calls_total`, "Calls through the Database service, by kind.", (m) =>
    perKind("call", { execute: m.database.executes, batch: m.database.batches, transaction: m.database.transactions })
  ),
  counter(`${P}_db_statements_total`, "SQL statements sent.", (m) => m.database.statements),
  counter(`${P}_db_errors_total`, "Database calls that failed, by reason.", (m) => [
    [{ reason: "deadline" }, n(m.database.deadline_exceeded)],
    [{ reason: "other" }, m.database.errors - n(m.database.deadline_exceeded)]
  ]),
  // Authentication (token names from the configuration: bounded; never a secret).
  counter(`${P}_auth_requests_total`, "Authenticated requests, by token name.", (m) =>
    perKey("token", on(m.auth).requests)
  ),
  counter(`${P}_auth_denied_total`, "Requests refused 403, by token name.", (m) => perKey("token", on(m.auth).denied)),
  counter(`${P}_auth_unauthenticated_total`, "Requests refused 401.", (m) => n(on(m.auth).unauthenticated))
]

/**
 * Numeric `/metrics` JSON fields deliberately not published as their own series, and why (rates, averages,
 * settings, duplicates). A field in neither this list nor `FIGURES` fails `test/storeFigures.test.ts`.
 */
export const UNPUBLISHED: Readonly<Record<string, string>> = {
  "cache.hit_rate": "rate: from the hits and misses counters",
  "cache.episode_hit_rate": "rate: from the hits and misses counters",
  "cache.pattern_hit_rate": "rate: from the hits and misses counters",
  "cache.query_hit_rate": "rate: from the hits and misses counters",
  "cache.hits": "sum of the per-cache series",
  "cache.misses": "sum of the per-cache series",
  "compression.ratio": "rate: output / input bytes",
  "compression.savings": "rate: 1 - output / input bytes",
  "compression.compress_us_avg": "average: codec seconds / codec calls",
  "compression.decompress_us_avg": "average: codec seconds / codec calls",
  "pool.utilization": "rate: active / max connections",
  "pool.avg_wait_ms": "average: the acquire wait histogram",
  "pool.max_wait_ms": "the acquire wait histogram",
  "keepalive.stale_rate": "rate: stale detected / requests",
  "keepalive.avg_cold_ms": "average: the database operation histogram",
  "keepalive.avg_warm_ms": "average: the database operation histogram",
  "keepalive.avg_time_saved_ms": "average: time saved / requests kept warm",
  "prepared_statements.hit_rate": "rate: from the lookups counter",
  "prepared_statements.avg_prep_time_us": "average",
  "connection_pool.*": "the same object as pool (one series, not two)",
  "database.pool.*": "the same object as pool",
  "requests.*": "memory_turso_http_requests_total and memory_turso_http_request_duration_seconds",
  "process.*": "process_* and nodejs_* runtime metrics"
}

/** The settings `memory_turso_info` carries as labels (value 1). */
export const infoLabels = (m: Metrics): Labels => {
  const c = on(m.compression)
  const r = on(m.retry)
  return {
    optimizations: m.optimizations,
    database_kind: m.database.kind,
    compression_algorithm: c.algorithm ?? "off",
    compression_level: String(n(c.level)),
    zstd_available: String(c.zstd_available ?? false),
    prepared_statements_capacity: String(n(on(m.prepared_statements).capacity)),
    retry_max_retries: String(n(r.max_retries)),
    retry_base_delay_ms: String(n(r.retry_base_delay_ms)),
    retry_max_delay_ms: String(n(r.retry_max_delay_ms))
  }
}
