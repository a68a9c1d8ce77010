import { CacheConfig } from "@memory-turso/cache"
import { Codec } from "@memory-turso/compression"
import type { KeepAliveStats } from "@memory-turso/keepalive"
import { KeepAlive } from "@memory-turso/keepalive"
import { ConnectionPool, type Database, DatabaseConfig, Pool } from "@memory-turso/pool"
import { CachedStorage, DatabaseRetry, Storage } from "@memory-turso/storage-core"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { AppConfig } from "../config/AppConfig.js"
import type { Features } from "../Features.js"
import { disabled, type Section, StackStatus } from "./StackStatus.js"

const DATABASE_BUSY_TIMEOUT_MS = 5000

/** Storage as it is: what a decorator becomes when it is off or cannot start. */
const passThrough = Layer.effect(Storage.Storage, Storage.Storage)

/** The hit rate of a set of caches: hits / (hits + misses), 0 when nothing was read. */
const rate = (hits: number, misses: number) => (hits + misses === 0 ? 0 : hits / (hits + misses))

/** Keep-alive figures plus the stale rate: stale connections found per connection handed out. */
const keepaliveSection = (stats: KeepAliveStats, acquired: number): Section => ({
  enabled: true,
  ...stats,
  stale_rate: acquired === 0 ? 0 : Math.min(1, stats.stale_detected / acquired)
})

const cacheSection = (stats: CachedStorage.StorageCacheStats): Section => {
  const { episodes, patterns, queries } = stats
  const hits = episodes.hits + patterns.hits + queries.hits
  const misses = episodes.misses + patterns.misses + queries.misses
  return {
    enabled: true,
    hit_rate: rate(hits, misses),
    episode_hit_rate: rate(episodes.hits, episodes.misses),
    pattern_hit_rate: rate(patterns.hits, patterns.misses),
    query_hit_rate: rate(queries.hits, queries.misses),
    hits,
    misses,
    episode_hits: episodes.hits,
    episode_misses: episodes.misses,
    pattern_hits: patterns.hits,
    pattern_misses: patterns.misses,
    query_hits: queries.hits,
    query_misses: queries.misses,
    evictions: episodes.evictions + patterns.evictions + queries.evictions,
    expirations: episodes.expirations + patterns.expirations + queries.expirations,
    oversized: episodes.oversized + patterns.oversized + queries.oversized,
    entries: { episodes: episodes.entries, patterns: patterns.entries, queries: queries.entries },
    approx_bytes: { episodes: episodes.approx_bytes, patterns: patterns.approx_bytes, queries: queries.approx_bytes }
  }
}

/**
 * The storage stack the configuration asks for, built once at start: database -> storage with the codec ->
 * cache. A disabled layer is a pass-through; an optional layer that fails to start is left out, noted once in
 * the log, and reported by `StackStatus`. Provides `Storage`, `Database` and `StackStatus`.
 */
export const layer = (
  config: AppConfig,
  options: {
    /** Replaces the pool the configuration would build (for embedders and tests). */
    readonly database?: Layer.Layer<Database.Database | ConnectionPool.ConnectionPool, unknown>
    /** Replaces how zstd-codec is loaded (tests of a codec that cannot start). */
    readonly loadZstd?: Codec.ZstdLoader
  } = {}
) => {
  const poolOptions = {
    url: config.database.url,
    authToken: config.database.token,
    busyTimeoutMs: DATABASE_BUSY_TIMEOUT_MS,
    connection_pool: config.connection_pool,
    statementCacheSize: config.database.statement_cache_size
  }
  // Keep-alive only means something for remote connections (sockets); embedded databases have none.
  const keepalive = config.keepalive.enabled && DatabaseConfig.kindOf(config.database.url) === "remote"
  const database: Layer.Layer<Database.Database | ConnectionPool.ConnectionPool, unknown> =
    options.database ?? (keepalive ? KeepAlive.layerPool(poolOptions, config.keepalive) : Pool.layer(poolOptions))
  // Compression off still loads the codec: rows written compressed earlier must stay readable.
  const codec = Codec.layer({ config: config.compression, loadZstd: options.loadZstd })
  // The retrying Database shadows the pool's own; the pool (and keep-alive) stay visible for their figures.
  const retried = DatabaseRetry.layer(config.retry).pipe(Layer.provideMerge(database))
  const base = Storage.layer().pipe(Layer.provideMerge(Layer.merge(retried, codec)))

  return Layer.unwrapScoped(
    Effect.gen(function* () {
      const degraded: Array<{ feature: string; reason: string }> = []
      const cached = config.cache.enabled
        ? CachedStorage.layer(CacheConfig.toInstanceOptions(config.cache)).pipe(
            Layer.catchAll((error) => {
              degraded.push({ feature: "cache", reason: error.message })
              return Layer.effectDiscard(
                Effect.logWarning(`cache: could not start (${error.message}); running without it`)
              ).pipe(Layer.provideMerge(passThrough))
            })
          )
        : passThrough
      const stack = Layer.provideMerge(cached, base)
      const status = Layer.effect(
        StackStatus,
        Effect.gen(function* () {
          const codecService = yield* Codec.Codec
          const codecStats = yield* codecService.stats
          const compressionActive =
            config.compression.enabled && (config.compression.algorithm === "gzip" || codecStats.zstd_available)
          // The codec has already said so in the log, once.
          if (config.compression.enabled && !compressionActive) {
            degraded.push({
              feature: "compression",
              reason: "the zstd codec could not start; payloads are stored plain"
            })
          }
          const cache = yield* Effect.serviceOption(CachedStorage.StorageCache)
          const retry = yield* DatabaseRetry.DatabaseRetry
          const pool = yield* ConnectionPool.ConnectionPool
          const keepAlive = yield* Effect.serviceOption(KeepAlive.KeepAlive)
          const features: Features = {
            keepalive: keepAlive._tag === "Some",
            compression: compressionActive,
            cache: cache._tag === "Some",
            prepared_statements: pool.preparedStatements !== undefined,
            batch_operations: true
          }
          return StackStatus.of({
            features,
            degraded,
            sections: Effect.gen(function* () {
              const compression = yield* codecService.stats
              const poolStats = yield* pool.stats
              const poolSection: Section = { enabled: true, ...poolStats }
              return {
                cache: cache._tag === "Some" ? cacheSection(cache.value.stats()) : disabled,
                compression: compressionActive ? { enabled: true, ...compression } : disabled,
                pool: poolSection,
                connection_pool: poolSection,
                keepalive:
                  keepAlive._tag === "Some"
                    ? keepaliveSection(yield* keepAlive.value.stats, poolStats.total_acquired)
                    : disabled,
                prepared_statements:
                  pool.preparedStatements === undefined ? disabled : { enabled: true, ...pool.preparedStatements() },
                retry: config.retry.max_retries > 0 ? { enabled: true, ...config.retry, ...retry.stats() } : disabled
              }
            })
          })
        })
      )
      return Layer.provideMerge(status, stack)
    })
  )
}
