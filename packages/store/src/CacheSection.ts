import type { CachedStorage } from "@memory-turso/storage-core"
import * as Duration from "effect/Duration"
import * as Schema from "effect/Schema"

const PositiveInt = Schema.Int.pipe(Schema.positive())
const withDefault = <S extends Schema.Schema.Any>(schema: S, value: Schema.Schema.Type<S>) =>
  Schema.optionalWith(schema, { default: () => value, exact: true })

/**
 * The operator config section `[cache]` (snake_case keys, all optional with defaults). Besides each key's range it
 * checks min_ttl_secs <= every *_ttl_secs <= max_ttl_secs and cold_threshold < hot_threshold.
 */
export const CacheSection = Schema.Struct({
  enabled: withDefault(Schema.Boolean, true),
  max_episodes: withDefault(PositiveInt, 10000),
  max_patterns: withDefault(PositiveInt, 5000),
  max_query_results: withDefault(PositiveInt, 1000),
  episode_ttl_secs: withDefault(PositiveInt, 1800),
  pattern_ttl_secs: withDefault(PositiveInt, 3600),
  query_ttl_secs: withDefault(PositiveInt, 300),
  min_ttl_secs: withDefault(PositiveInt, 60),
  max_ttl_secs: withDefault(PositiveInt, 7200),
  hot_threshold: withDefault(PositiveInt, 10),
  cold_threshold: withDefault(Schema.NonNegativeInt, 2),
  adaptation_rate: withDefault(Schema.Number.pipe(Schema.greaterThan(0), Schema.lessThan(1)), 0.25),
  enable_background_cleanup: withDefault(Schema.Boolean, true),
  cleanup_interval_secs: withDefault(PositiveInt, 60),
  /** How often the change feed is read, so other processes' writes drop this process's cached entries. */
  coherence_interval_ms: withDefault(PositiveInt, 250),
  /** No cache hit when the feed has not been read for this long (reads go to the database until it is). */
  max_staleness_ms: withDefault(PositiveInt, 2000),
  /** Feed entries older than this are trimmed (a process asleep longer clears its caches when it wakes). */
  feed_retention_secs: withDefault(PositiveInt, 3600),
  /** At most this many feed entries are kept (the oldest trimmed first). */
  feed_max_entries: withDefault(PositiveInt, 100_000),
  /** How often each process trims the feed. */
  feed_trim_interval_secs: withDefault(PositiveInt, 60)
}).pipe(
  Schema.filter((s) => {
    const issues: Array<Schema.FilterIssue> = []
    if (s.min_ttl_secs > s.max_ttl_secs) {
      issues.push({
        path: ["min_ttl_secs"],
        message: `min_ttl_secs (${s.min_ttl_secs}) must not exceed max_ttl_secs (${s.max_ttl_secs})`
      })
    } else {
      for (const key of ["episode_ttl_secs", "pattern_ttl_secs", "query_ttl_secs"] as const) {
        if (s[key] < s.min_ttl_secs || s[key] > s.max_ttl_secs) {
          issues.push({
            path: [key],
            message: `${key} (${s[key]}) must be within [min_ttl_secs, max_ttl_secs] = [${s.min_ttl_secs}, ${s.max_ttl_secs}]`
          })
        }
      }
    }
    if (s.max_staleness_ms < s.coherence_interval_ms) {
      issues.push({
        path: ["max_staleness_ms"],
        message: `max_staleness_ms (${s.max_staleness_ms}) must be at least coherence_interval_ms (${s.coherence_interval_ms})`
      })
    }
    if (s.cold_threshold >= s.hot_threshold) {
      issues.push({
        path: ["cold_threshold"],
        message: `cold_threshold (${s.cold_threshold}) must be less than hot_threshold (${s.hot_threshold})`
      })
    }
    return issues
  })
)

/** The decoded `[cache]` section. */
export type CacheSection = Schema.Schema.Type<typeof CacheSection>

/**
 * The options of storage's three caches (episodes, patterns, query results) and of their coherence across processes
 * (the change feed) from the section. When `enabled` is false the store runs without them.
 */
export const toCacheOptions = (section: CacheSection): CachedStorage.Options => {
  const shared = {
    minTtl: Duration.seconds(section.min_ttl_secs),
    maxTtl: Duration.seconds(section.max_ttl_secs),
    hotThreshold: section.hot_threshold,
    coldThreshold: section.cold_threshold,
    adaptationRate: section.adaptation_rate,
    backgroundCleanup: section.enable_background_cleanup,
    cleanupInterval: Duration.seconds(section.cleanup_interval_secs)
  }
  return {
    episodes: { ...shared, maxEntries: section.max_episodes, ttl: Duration.seconds(section.episode_ttl_secs) },
    patterns: { ...shared, maxEntries: section.max_patterns, ttl: Duration.seconds(section.pattern_ttl_secs) },
    queries: { ...shared, maxEntries: section.max_query_results, ttl: Duration.seconds(section.query_ttl_secs) },
    coherence: {
      intervalMs: section.coherence_interval_ms,
      maxStalenessMs: section.max_staleness_ms,
      retentionMs: section.feed_retention_secs * 1000,
      maxEntries: section.feed_max_entries,
      trimIntervalMs: section.feed_trim_interval_secs * 1000
    }
  }
}
