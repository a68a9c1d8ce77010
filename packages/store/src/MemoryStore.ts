import { Codec } from "@memory-turso/compression"
import { KeepAlive } from "@memory-turso/keepalive"
import type { Features, StoreMetrics } from "@memory-turso/model"
import { ConnectionPool, Database, DatabaseConfig, Pool } from "@memory-turso/pool"
import { CachedStorage, DatabaseRetry, Storage } from "@memory-turso/storage-core"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { toCacheOptions } from "./CacheSection.js"
import { codecSettings, storagePolicy } from "./CompressionSection.js"
import { cacheSection, keepaliveSection, optimizationsOf } from "./internal/sections.js"
import type { StoreConfig } from "./StoreConfig.js"

/** An optional layer that was asked for and could not start, and why. */
export interface Degraded {
  readonly feature: string
  readonly reason: string
}

/** What the composed store really runs with, and its figures. */
export class StoreStatus extends Context.Tag("@memory-turso/store/StoreStatus")<
  StoreStatus,
  {
    readonly features: Features
    /** Optional layers that were asked for but could not start, with the reason. */
    readonly degraded: ReadonlyArray<Degraded>
    /** Every section the store reports (`/metrics` publishes them as they are). */
    readonly metrics: Effect.Effect<StoreMetrics>
  }
>() {}

/** How long an embedded connection waits on a locked database. */
const DATABASE_BUSY_TIMEOUT_MS = 5000

/** Storage as it is: what a decorator becomes when it is off or cannot start. */
const passThrough = Layer.effect(Storage.Storage, Storage.Storage)

/** Replacements for parts the configuration would build (for embedders and tests). */
export interface LayerOptions {
  /** Replaces the pool the configuration would build. */
  readonly database?: Layer.Layer<Database.Database | ConnectionPool.ConnectionPool, unknown> | undefined
  /** Replaces how zstd-codec is loaded (tests of a codec that cannot start). */
  readonly loadZstd?: Codec.ZstdLoader | undefined
  /** How long idempotency keys are kept (default 24 hours; the API's `server.idempotency_window_secs`). */
  readonly idempotencyWindow?: Duration.DurationInput | undefined
  /** The byte budget of one page or batch read (see storage-core's `StorageConfig.Options`; default 4 MiB). */
  readonly maxResponseBytes?: number | undefined
}

/**
 * The whole store from one configuration, built once: the pool (kept warm by keep-alive for a remote database),
 * retries of unavailable calls, the codec, storage, and the caches. A disabled layer is a pass-through; an
 * optional layer that fails to start is left out, logged once, and reported by `StoreStatus`. Provides `Storage`,
 * `Database`, `ConnectionPool` and `StoreStatus`.
 */
export const layer = (config: StoreConfig, options: LayerOptions = {}) => {
  const poolOptions = {
    url: config.database.url,
    authToken: config.database.token,
    busyTimeoutMs: DATABASE_BUSY_TIMEOUT_MS,
    connection_pool: config.connection_pool,
    statementCacheSize: config.database.statement_cache_size,
    requestTimeoutMs: config.database.request_timeout_secs * 1000
  }
  // Keep-alive only means something for remote connections (sockets); embedded databases have none.
  const keepalive = config.keepalive.enabled && DatabaseConfig.kindOf(config.database.url) === "remote"
  const database: Layer.Layer<Database.Database | ConnectionPool.ConnectionPool, unknown> =
    options.database ?? (keepalive ? KeepAlive.layerPool(poolOptions, config.keepalive) : Pool.layer(poolOptions))
  // Compression off still loads the codec: rows written compressed earlier must stay readable.
  const codec = Codec.layer({ config: codecSettings(config.compression), loadZstd: options.loadZstd })
  // The retrying Database shadows the pool's own; the pool (and keep-alive) stay visible for their figures.
  const retried = DatabaseRetry.layer(config.retry).pipe(Layer.provideMerge(database))
  const base = Storage.layer({
    compression: storagePolicy(config.compression),
    idempotencyWindow: options.idempotencyWindow,
    maxResponseBytes: options.maxResponseBytes,
    recall: config.recall
  }).pipe(Layer.provideMerge(Layer.merge(retried, codec)))

  return Layer.unwrapScoped(
    Effect.gen(function* () {
      const degraded: Array<Degraded> = []
      const cached = config.cache.enabled
        ? coherentCaches(toCacheOptions(config.cache)).pipe(
            Layer.catchAll((error) => {
              degraded.push({ feature: "cache", reason: error.message })
              return Layer.effectDiscard(
                Effect.logWarning(`cache: could not start (${error.message}); running without it`)
              ).pipe(Layer.provideMerge(passThrough))
            })
          )
        : passThrough
      const stack = Layer.provideMerge(cached, base)
      const status = Layer.effect(StoreStatus, makeStatus(config, degraded))
      return Layer.provideMerge(status, stack)
    })
  )
}

/**
 * The caches, following the change feed; with keep-alive on a remote database, the feed reads ride in its pings:
 * those it sends (`KeepAlive.board`) and those due when a read is (`KeepAlive.carry`).
 */
const coherentCaches = (options: CachedStorage.Options) =>
  Layer.unwrapEffect(
    Effect.map(Effect.serviceOption(KeepAlive.KeepAlive), (keepAlive) =>
      CachedStorage.layer(
        keepAlive._tag === "None" || options.coherence === undefined
          ? options
          : {
              ...options,
              coherence: { ...options.coherence, carrier: keepAlive.value.carry, boarding: keepAlive.value.board }
            }
      )
    )
  )

/** The status of the stack in context: the features really active, and every section's figures on demand. */
const makeStatus = (config: StoreConfig, degraded: Array<Degraded>) =>
  Effect.gen(function* () {
    const codec = yield* Codec.Codec
    const storage = yield* Storage.Storage
    const codecStats = yield* codec.stats
    const compressionActive =
      config.compression.enabled && (config.compression.algorithm === "gzip" || codecStats.zstd_available)
    // The codec has already said so in the log, once.
    if (config.compression.enabled && !compressionActive) {
      degraded.push({ feature: "compression", reason: "the zstd codec could not start; payloads are stored plain" })
    }
    const cache = yield* Effect.serviceOption(CachedStorage.StorageCache)
    const retry = yield* DatabaseRetry.DatabaseRetry
    const pool = yield* ConnectionPool.ConnectionPool
    const db = yield* Database.Database
    const keepAlive = yield* Effect.serviceOption(KeepAlive.KeepAlive)
    const features: Features = {
      keepalive: keepAlive._tag === "Some",
      compression: compressionActive,
      cache: cache._tag === "Some",
      prepared_statements: pool.preparedStatements !== undefined,
      batch_operations: true
    }
    const metrics = Effect.gen(function* () {
      const poolStats = yield* pool.stats
      const poolSection = { enabled: true as const, ...poolStats }
      return {
        optimizations: optimizationsOf(features),
        features,
        cache:
          cache._tag === "Some"
            ? cacheSection(cache.value.stats(), cache.value.coherence())
            : { enabled: false as const },
        compression: compressionActive
          ? { enabled: true as const, ...(yield* codec.stats), ...(yield* storage.dictionaryStats) }
          : { enabled: false as const },
        pool: poolSection,
        connection_pool: poolSection,
        keepalive:
          keepAlive._tag === "Some"
            ? keepaliveSection(yield* keepAlive.value.stats, poolStats.total_acquired)
            : { enabled: false as const },
        prepared_statements:
          pool.preparedStatements === undefined
            ? { enabled: false as const }
            : { enabled: true as const, ...pool.preparedStatements() },
        retry:
          config.retry.max_retries > 0
            ? { enabled: true as const, ...config.retry, ...retry.stats() }
            : { enabled: false as const },
        database: { kind: db.kind, ...(yield* db.stats) }
      } satisfies StoreMetrics
    })
    return StoreStatus.of({ features, degraded, metrics })
  })
