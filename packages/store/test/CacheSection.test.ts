import { describe, expect, it } from "@effect/vitest"
import { AdaptiveCache } from "@memory-turso/cache"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { CacheSection, StoreConfig } from "../src/index.js"

/** The decoded `[cache]` section of a store configuration with `cache`, or the failing key paths and messages. */
const decode = (cache: unknown) => {
  const result = StoreConfig.decode({ cache } as StoreConfig.StoreConfigInput)
  return Either.isRight(result) ? { section: result.right.config.cache, issues: [] } : { issues: result.left.issues }
}
const section = (cache: unknown) => {
  const decoded = decode(cache)
  if (decoded.section === undefined) throw new Error(JSON.stringify(decoded.issues))
  return decoded.section
}
const paths = (cache: unknown) => decode(cache).issues.map((i) => i.path)

describe("[cache] config section", () => {
  it("an empty or missing section decodes to the documented defaults", () => {
    const expected = {
      enabled: true,
      max_episodes: 10000,
      max_patterns: 5000,
      max_query_results: 1000,
      episode_ttl_secs: 1800,
      pattern_ttl_secs: 3600,
      query_ttl_secs: 300,
      min_ttl_secs: 60,
      max_ttl_secs: 7200,
      hot_threshold: 10,
      cold_threshold: 2,
      adaptation_rate: 0.25,
      enable_background_cleanup: true,
      cleanup_interval_secs: 60,
      coherence_interval_ms: 250,
      max_staleness_ms: 2000,
      feed_retention_secs: 3600,
      feed_max_entries: 100_000,
      feed_trim_interval_secs: 60
    }
    expect(section({})).toEqual(expected)
    expect(section(undefined)).toEqual(expected)
  })

  it("given keys override the defaults", () => {
    expect(section({ max_episodes: 50, enabled: false, adaptation_rate: 0.5 })).toMatchObject({
      max_episodes: 50,
      enabled: false,
      adaptation_rate: 0.5,
      max_patterns: 5000
    })
  })

  it("decoding errors name every bad key path; an unknown key is a warning", () => {
    const { issues } = decode({ max_episodes: -1, hot_threshold: "ten", adaptation_rate: 1.5 })
    expect(issues.map((i) => i.path).sort()).toEqual([
      "cache.adaptation_rate",
      "cache.hot_threshold",
      "cache.max_episodes"
    ])
    expect(issues.find((i) => i.path === "cache.max_episodes")?.message).toBe("expected a positive number, got -1")
    const typo = StoreConfig.decode({ cache: { max_episode: 3 } } as StoreConfig.StoreConfigInput)
    expect(Either.getOrThrow(typo).warnings).toEqual(["cache.max_episode: unknown key (ignored)"])
  })

  it("cross-key rules name the offending key", () => {
    expect(paths({ min_ttl_secs: 900, max_ttl_secs: 600 })).toEqual(["cache.min_ttl_secs"])
    expect(paths({ query_ttl_secs: 30 })).toEqual(["cache.query_ttl_secs"])
    expect(paths({ max_ttl_secs: 3000 })).toEqual(["cache.pattern_ttl_secs"])
    expect(paths({ cold_threshold: 10 })).toEqual(["cache.cold_threshold"])
    // a cache hit may not be allowed to be staler than the feed is read
    expect(paths({ coherence_interval_ms: 3000 })).toEqual(["cache.max_staleness_ms"])
    expect(decode({ coherence_interval_ms: 500, max_staleness_ms: 400 }).issues).toEqual([
      { path: "cache.max_staleness_ms", message: "max_staleness_ms (400) must be at least coherence_interval_ms (500)" }
    ])
    expect(paths({ coherence_interval_ms: 0, feed_max_entries: -1 }).sort()).toEqual([
      "cache.coherence_interval_ms",
      "cache.feed_max_entries"
    ])
  })

  it("a section that is not a table is rejected", () => {
    expect(paths("yes")).toEqual(["cache"])
  })
})

describe("toCacheOptions", () => {
  it("maps the section onto the three caches' options", () => {
    const options = CacheSection.toCacheOptions(
      section({
        max_episodes: 11,
        max_patterns: 22,
        max_query_results: 33,
        episode_ttl_secs: 100,
        pattern_ttl_secs: 200,
        query_ttl_secs: 300,
        min_ttl_secs: 50,
        max_ttl_secs: 400,
        hot_threshold: 5,
        cold_threshold: 1,
        adaptation_rate: 0.5,
        enable_background_cleanup: false,
        cleanup_interval_secs: 7
      })
    )
    const shared = {
      minTtl: Duration.seconds(50),
      maxTtl: Duration.seconds(400),
      hotThreshold: 5,
      coldThreshold: 1,
      adaptationRate: 0.5,
      backgroundCleanup: false,
      cleanupInterval: Duration.seconds(7)
    }
    expect(options.episodes).toEqual({ ...shared, maxEntries: 11, ttl: Duration.seconds(100) })
    expect(options.patterns).toEqual({ ...shared, maxEntries: 22, ttl: Duration.seconds(200) })
    expect(options.queries).toEqual({ ...shared, maxEntries: 33, ttl: Duration.seconds(300) })
  })

  it("maps the coherence keys onto the change-feed follower's options (their effects: storage-core ChangeFeed.test)", () => {
    const options = CacheSection.toCacheOptions(
      section({
        coherence_interval_ms: 100,
        max_staleness_ms: 900,
        feed_retention_secs: 30,
        feed_max_entries: 500,
        feed_trim_interval_secs: 5
      })
    )
    expect(options.coherence).toEqual({
      intervalMs: 100,
      maxStalenessMs: 900,
      retentionMs: 30_000,
      maxEntries: 500,
      trimIntervalMs: 5000
    })
  })

  it.scoped("the default options build valid caches", () =>
    Effect.gen(function* () {
      const options = CacheSection.toCacheOptions(section({}))
      const episodes = yield* AdaptiveCache.make<string, string>({ ...options.episodes, weigh: (v) => v.length })
      yield* episodes.set("e", "abcd")
      expect(episodes.unsafeStats().approx_bytes).toBe(2 + 4) // the key "e" (two bytes a character) and the value
      const left = yield* episodes.expiresIn("e")
      expect(left._tag === "Some" ? Duration.toMillis(left.value) : 0).toBe(1_800_000)
      expect((yield* AdaptiveCache.make<string, number>(options.queries)).unsafeStats().entries).toBe(0)
    })
  )
})
