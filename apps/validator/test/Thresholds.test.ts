import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Thresholds from "../src/Thresholds.js"

describe("Thresholds", () => {
  it("defaults are the documented criteria and triggers", () => {
    expect(Thresholds.defaults).toEqual({
      cache_hit_rate_min: 0.8,
      single_read_p50_ms_max: 30,
      cached_read_p50_ms_max: 5,
      batch_store_p50_ms_max: 200,
      stale_rate_max: 0.05,
      compression_ratio_max: 0.4,
      errors_max: 0,
      rollback_error_rate_points: 5,
      rollback_error_rate_min_requests: 100,
      rollback_p50_factor: 2,
      rollback_p50_min_increase_ms: 1,
      rollback_rss_bytes_max: 3 * 1024 ** 3,
      rollback_cache_hit_rate_min: 0.3,
      rollback_pool_timeouts_max: 0
    })
  })

  it.effect("a file overrides only the keys it holds", () =>
    Effect.gen(function* () {
      const t = yield* Thresholds.fromJson({ single_read_p50_ms_max: 500 }, "test")
      expect(t).toEqual({ ...Thresholds.defaults, single_read_p50_ms_max: 500 })
    })
  )

  it.effect("rejects unknown keys and bad values, naming them and listing the keys", () =>
    Effect.gen(function* () {
      const typo = yield* Effect.flip(Thresholds.fromJson({ single_read_p50_max: 1 }, "the thresholds file t.json"))
      expect(typo.message).toContain("single_read_p50_max")
      expect(typo.message).toContain("keys: cache_hit_rate_min,")
      const bad = yield* Effect.flip(Thresholds.fromJson({ cache_hit_rate_min: 2, errors_max: -1 }, "t"))
      expect(bad.message).toContain("cache_hit_rate_min")
      expect(bad.message).toContain("errors_max")
    })
  )
})
