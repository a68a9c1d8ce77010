import type { KeepAliveStats } from "@memory-turso/keepalive"
import type { Features, StoreMetrics } from "@memory-turso/model"
import { CachedStorage } from "@memory-turso/storage-core"

/** The hit rate of a set of caches: hits / (hits + misses), 0 when nothing was read. */
const rate = (hits: number, misses: number) => (hits + misses === 0 ? 0 : hits / (hits + misses))

/** The `cache` section from the three caches' statistics and their coherence figures. */
export const cacheSection = (
  stats: CachedStorage.StorageCacheStats,
  coherence: CachedStorage.CoherenceStats = CachedStorage.notFollowing
): StoreMetrics["cache"] => {
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
    approx_bytes: { episodes: episodes.approx_bytes, patterns: patterns.approx_bytes, queries: queries.approx_bytes },
    ...coherence
  }
}

/** Keep-alive figures plus the stale rate: stale connections found per connection handed out. */
export const keepaliveSection = (stats: KeepAliveStats, acquired: number): StoreMetrics["keepalive"] => ({
  enabled: true,
  ...stats,
  stale_rate: acquired === 0 ? 0 : Math.min(1, stats.stale_detected / acquired)
})

/** "enabled" when any optional layer is active. */
export const optimizationsOf = (features: Features): StoreMetrics["optimizations"] =>
  features.keepalive || features.compression || features.cache || features.prepared_statements ? "enabled" : "disabled"
