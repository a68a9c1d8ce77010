import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { AdaptiveCache } from "../src/index.js"

const base: AdaptiveCache.Options<string> = { maxEntries: 10, ttl: "100 seconds" }

const optionError = (options: AdaptiveCache.Options<string>) => Effect.flip(AdaptiveCache.make<string, string>(options))

describe("option validation", () => {
  it.scoped("defaults are accepted", () =>
    Effect.gen(function* () {
      const cache = yield* AdaptiveCache.make<string, string>(base)
      yield* cache.set("a", "A")
      expect(cache.unsafeStats().entries).toBe(1)
    })
  )

  const cases: ReadonlyArray<[string, Partial<AdaptiveCache.Options<string>>, string]> = [
    ["maxEntries", { maxEntries: 0 }, "must be an integer >= 1, got 0"],
    ["maxEntries", { maxEntries: -5 }, "must be an integer >= 1, got -5"],
    ["maxEntries", { maxEntries: 1.5 }, "must be an integer >= 1, got 1.5"],
    ["ttl", { ttl: 0 }, "must be a finite duration > 0, got 0"],
    ["ttl", { ttl: "forever and ever" as never }, "is not a duration"],
    ["ttl", { ttl: "10 seconds" }, "10000 ms is outside [minTtl, maxTtl] = [60000, 7200000] ms"],
    ["ttl", { ttl: "3 hours" }, "10800000 ms is outside [minTtl, maxTtl] = [60000, 7200000] ms"],
    ["minTtl", { minTtl: "2 hours", maxTtl: "1 hour" }, "7200000 ms is greater than maxTtl 3600000 ms"],
    ["maxTtl", { maxTtl: Infinity }, "must be a finite duration > 0, got Infinity"],
    ["hotThreshold", { hotThreshold: 0 }, "must be an integer >= 1, got 0"],
    ["coldThreshold", { coldThreshold: -1 }, "must be an integer >= 0, got -1"],
    ["coldThreshold", { hotThreshold: 3, coldThreshold: 3 }, "3 must be less than hotThreshold 3"],
    ["adaptationRate", { adaptationRate: 0 }, "must be in the open interval (0, 1), got 0"],
    ["adaptationRate", { adaptationRate: 1 }, "must be in the open interval (0, 1), got 1"],
    ["adaptationRate", { adaptationRate: Number.NaN }, "must be in the open interval (0, 1), got NaN"],
    ["cleanupInterval", { cleanupInterval: -1 }, "must be a finite duration > 0, got -1"]
  ]
  for (const [option, patch, reason] of cases) {
    it.scoped(`${option} ${JSON.stringify(patch)} is rejected`, () =>
      Effect.gen(function* () {
        const error = yield* optionError({ ...base, ...patch })
        expect(error._tag).toBe("CacheOptionsError")
        expect(error.option).toBe(option)
        expect(error.reason).toBe(reason)
        expect(error.message).toBe(`Invalid cache option "${option}": ${reason}`)
      })
    )
  }
})
