import { describe, expect, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { AdaptiveCache, CacheConfig } from "../src/index.js"

describe("[cache] config section", () => {
  it.effect("an empty or missing section decodes to the documented defaults", () =>
    Effect.gen(function* () {
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
        cleanup_interval_secs: 60
      }
      expect(yield* CacheConfig.decode({})).toEqual(expected)
      expect(yield* CacheConfig.decode(undefined)).toEqual(expected)
    })
  )

  it.effect("given keys override the defaults", () =>
    Effect.gen(function* () {
      const section = yield* CacheConfig.decode({ max_episodes: 50, enabled: false, adaptation_rate: 0.5 })
      expect(section).toMatchObject({ max_episodes: 50, enabled: false, adaptation_rate: 0.5, max_patterns: 5000 })
    })
  )

  it.effect("decoding errors name every bad key path", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        CacheConfig.decode({ max_episodes: -1, hot_threshold: "ten", adaptation_rate: 1.5, max_episode: 3 })
      )
      expect(error._tag).toBe("CacheConfigError")
      expect(error.issues.map((i) => i.path).sort()).toEqual([
        "cache.adaptation_rate",
        "cache.hot_threshold",
        "cache.max_episode",
        "cache.max_episodes"
      ])
      expect(error.message).toContain("cache.max_episodes: Expected a positive number, actual -1")
      expect(error.message).toContain("cache.adaptation_rate: Expected a number less than 1, actual 1.5")
      expect(error.message).toContain("cache.max_episode: is unexpected")
    })
  )

  it.effect("cross-key rules name the offending key", () =>
    Effect.gen(function* () {
      const paths = (input: object) =>
        Effect.map(Effect.flip(CacheConfig.decode(input)), (e) => e.issues.map((i) => i.path))
      expect(yield* paths({ min_ttl_secs: 900, max_ttl_secs: 600 })).toEqual(["cache.min_ttl_secs"])
      expect(yield* paths({ query_ttl_secs: 30 })).toEqual(["cache.query_ttl_secs"])
      expect(yield* paths({ max_ttl_secs: 3000 })).toEqual(["cache.pattern_ttl_secs"])
      expect(yield* paths({ cold_threshold: 10 })).toEqual(["cache.cold_threshold"])
    })
  )

  it.effect("a section that is not a table is rejected", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(CacheConfig.decode("yes"))
      expect(error.issues).toHaveLength(1)
      expect(error.issues[0]?.path).toBe("cache")
    })
  )
})

describe("toInstanceOptions", () => {
  it.effect("maps the section onto three option sets", () =>
    Effect.gen(function* () {
      const section = yield* CacheConfig.decode({
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
        cleanup_interval_secs: 7,
        enabled: false
      })
      const options = CacheConfig.toInstanceOptions(section)
      expect(options.enabled).toBe(false)
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
  )

  it.scoped("the default option sets build valid caches, with a weigh added by the integrator", () =>
    Effect.gen(function* () {
      const options = CacheConfig.toInstanceOptions(yield* CacheConfig.decode({}))
      const episodes = yield* AdaptiveCache.make<string, string>({ ...options.episodes, weigh: (v) => v.length })
      const patterns = yield* AdaptiveCache.make<string, number>(options.patterns)
      const queries = yield* AdaptiveCache.make<string, ReadonlyArray<string>>(options.queries)
      yield* episodes.set("e", "abcd")
      expect(episodes.unsafeStats().approx_bytes).toBe(4)
      expect(Duration.toMillis((yield* episodes.expiresIn("e")).pipe((o) => (o._tag === "Some" ? o.value : 0)))).toBe(
        1_800_000
      )
      expect(patterns.unsafeStats().entries).toBe(0)
      expect(queries.unsafeStats().entries).toBe(0)
    })
  )
})
