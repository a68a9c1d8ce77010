import { describe, expect, it } from "@effect/vitest"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as TestClock from "effect/TestClock"
import { makeCache, readTimes, remainingMs } from "./support/helpers.js"

const load = (value: string) => Effect.succeed(value)

describe("TTL", () => {
  it.scoped("an entry lives exactly ttl from its refresh and is never returned after", () =>
    Effect.gen(function* () {
      const cache = yield* makeCache()
      yield* cache.set("a", "A")
      yield* TestClock.adjust("99999 millis")
      expect(yield* remainingMs(cache, "a")).toBe(1)
      yield* TestClock.adjust("1 millis")
      expect(yield* remainingMs(cache, "a")).toBeUndefined()
      expect(yield* cache.getIfPresent("a")).toEqual(Option.none())
      const stats = cache.unsafeStats()
      expect(stats.expirations).toBe(1)
      expect(stats.entries).toBe(0)
    })
  )

  it.scoped("get reloads an expired entry instead of returning it", () =>
    Effect.gen(function* () {
      const cache = yield* makeCache()
      let loads = 0
      const loader = Effect.sync(() => `v${++loads}`)
      expect(yield* cache.get("a", loader)).toBe("v1")
      yield* TestClock.adjust("100 seconds")
      expect(yield* cache.get("a", loader)).toBe("v2")
      expect(loads).toBe(2)
      expect(cache.unsafeStats()).toMatchObject({ hits: 0, misses: 2, loads: 2, expirations: 1 })
    })
  )

  it.scoped("the ttl option sets the starting lifetime", () =>
    Effect.gen(function* () {
      const short = yield* makeCache({ ttl: "20 seconds" })
      const long = yield* makeCache({ ttl: "300 seconds" })
      yield* short.set("a", "A")
      yield* long.set("a", "A")
      expect(yield* remainingMs(short, "a")).toBe(20_000)
      expect(yield* remainingMs(long, "a")).toBe(300_000)
      yield* TestClock.adjust("20 seconds")
      expect(yield* short.getIfPresent("a")).toEqual(Option.none())
      expect(yield* long.getIfPresent("a")).toEqual(Option.some("A"))
    })
  )
})

describe("adaptive TTL", () => {
  it.scoped("early hits below the hot threshold never shorten the lifetime", () =>
    Effect.gen(function* () {
      const cache = yield* makeCache()
      yield* cache.set("a", "A")
      yield* TestClock.adjust("1 second")
      yield* readTimes(cache, "a", 9)
      yield* TestClock.adjust("98999 millis")
      expect(yield* remainingMs(cache, "a")).toBe(1)
      expect(yield* cache.getIfPresent("a")).toEqual(Option.some("A"))
    })
  )

  it.scoped("a hot entry's TTL grows by (1 + rate) and its window restarts at the promoting read", () =>
    Effect.gen(function* () {
      const cache = yield* makeCache()
      yield* cache.set("a", "A")
      yield* TestClock.adjust("50 seconds")
      yield* readTimes(cache, "a", 9)
      expect(yield* remainingMs(cache, "a")).toBe(50_000)
      yield* readTimes(cache, "a", 1) // the 10th read in this window
      expect(yield* remainingMs(cache, "a")).toBe(125_000)
    })
  )

  it.scoped("a steadily popular entry's TTL grows to maxTtl, but it dies maxTtl after it was stored", () =>
    Effect.gen(function* () {
      const cache = yield* makeCache({ maxTtl: "150 seconds" })
      let loads = 0
      const loader = Effect.sync(() => `v${++loads}`)
      yield* cache.get("a", loader)
      const seen: Array<number | undefined> = []
      for (let i = 0; i < 15; i++) {
        yield* TestClock.adjust("10 seconds")
        for (let r = 0; r < 10; r++) yield* cache.get("a", loader)
        seen.push(yield* remainingMs(cache, "a"))
      }
      // promoted every 10 s (125 s, then 150 s of TTL), yet never past 150 s after the load
      expect(seen.slice(0, 4)).toEqual([125_000, 130_000, 120_000, 110_000])
      // dead at 150 s, hot to the end: loaded again with the TTL it earned
      expect(seen.slice(13)).toEqual([10_000, 150_000])
      expect(loads).toBe(2)
      expect(cache.unsafeStats()).toMatchObject({ loads: 2, expirations: 1, hits: 149, misses: 2 })
    })
  )

  it.scoped("the max-TTL deadline holds for set, unsafeGetIfPresent and a value stored again", () =>
    Effect.gen(function* () {
      const cache = yield* makeCache({ maxTtl: "150 seconds", hotThreshold: 1, coldThreshold: 0 })
      yield* cache.set("a", "A")
      for (let i = 0; i < 14; i++) {
        yield* TestClock.adjust("10 seconds")
        expect(cache.unsafeGetIfPresent("a")).toBe("A")
      }
      yield* TestClock.adjust("10 seconds")
      expect(cache.unsafeGetIfPresent("a")).toBeUndefined()
      yield* cache.set("a", "B")
      yield* TestClock.adjust("149 seconds")
      yield* cache.set("a", "C") // a new value: a new life
      yield* TestClock.adjust("100 seconds")
      expect(yield* cache.getIfPresent("a")).toEqual(Option.some("C"))
    })
  )

  it.scoped("a cold entry's TTL shrinks by (1 - rate) when reloaded after expiry, clamped at minTtl", () =>
    Effect.gen(function* () {
      const cache = yield* makeCache({ minTtl: "60 seconds" })
      const ttls: Array<number | undefined> = []
      for (let i = 0; i < 4; i++) {
        yield* cache.get("a", load("A"))
        ttls.push(yield* remainingMs(cache, "a"))
        yield* TestClock.adjust("200 seconds")
      }
      expect(ttls).toEqual([100_000, 75_000, 60_000, 60_000])
    })
  )

  it.scoped("an entry read more than coldThreshold but fewer than hotThreshold times keeps its TTL", () =>
    Effect.gen(function* () {
      const cache = yield* makeCache()
      yield* cache.get("a", load("A"))
      yield* readTimes(cache, "a", 5)
      yield* TestClock.adjust("100 seconds")
      yield* cache.get("a", load("A"))
      expect(yield* remainingMs(cache, "a")).toBe(100_000)
    })
  )

  it.scoped("an invalidated entry keeps its earned TTL when it is loaded again", () =>
    Effect.gen(function* () {
      const cache = yield* makeCache()
      yield* cache.set("a", "A")
      yield* readTimes(cache, "a", 10)
      expect(yield* cache.invalidate("a")).toBe(true)
      yield* cache.get("a", load("A2"))
      expect(yield* remainingMs(cache, "a")).toBe(125_000)
      yield* cache.clear()
      yield* cache.set("a", "A3")
      expect(yield* remainingMs(cache, "a")).toBe(125_000)
    })
  )

  it.scoped("set on a live entry keeps its TTL and restarts its window", () =>
    Effect.gen(function* () {
      const cache = yield* makeCache()
      yield* cache.set("a", "A")
      yield* readTimes(cache, "a", 10)
      yield* TestClock.adjust("100 seconds")
      yield* cache.set("a", "B")
      expect(yield* remainingMs(cache, "a")).toBe(125_000)
      expect(yield* cache.getIfPresent("a")).toEqual(Option.some("B"))
    })
  )
})

describe("adaptation options", () => {
  it.scoped("minTtl is the floor of cold shrinking", () =>
    Effect.gen(function* () {
      const floorOf = (minTtl: Duration.DurationInput) =>
        Effect.gen(function* () {
          const cache = yield* makeCache({ minTtl })
          for (let i = 0; i < 6; i++) {
            yield* cache.set("a", "A")
            yield* TestClock.adjust("100 seconds")
            yield* cache.sweep()
          }
          yield* cache.set("a", "A")
          return yield* remainingMs(cache, "a")
        })
      expect(yield* floorOf("20 seconds")).toBe(20_000)
      expect(yield* floorOf("50 seconds")).toBe(50_000)
    })
  )

  it.scoped("maxTtl is the ceiling of hot growth", () =>
    Effect.gen(function* () {
      const ceilingOf = (maxTtl: Duration.DurationInput) =>
        Effect.gen(function* () {
          const cache = yield* makeCache({ maxTtl })
          yield* cache.set("a", "A")
          for (let i = 0; i < 10; i++) yield* readTimes(cache, "a", 10)
          return yield* remainingMs(cache, "a")
        })
      expect(yield* ceilingOf("130 seconds")).toBe(130_000)
      expect(yield* ceilingOf("400 seconds")).toBe(400_000)
    })
  )

  it.scoped("hotThreshold is the number of reads in a window that promotes", () =>
    Effect.gen(function* () {
      const cache = yield* makeCache({ hotThreshold: 3 })
      yield* cache.set("a", "A")
      yield* readTimes(cache, "a", 2)
      expect(yield* remainingMs(cache, "a")).toBe(100_000)
      yield* readTimes(cache, "a", 1)
      expect(yield* remainingMs(cache, "a")).toBe(125_000)
    })
  )

  it.scoped("coldThreshold is the most reads in a window that still count as cold", () =>
    Effect.gen(function* () {
      const ttlAfterExpiryWithReads = (coldThreshold: number, reads: number) =>
        Effect.gen(function* () {
          const cache = yield* makeCache({ coldThreshold })
          yield* cache.set("a", "A")
          if (reads > 0) yield* readTimes(cache, "a", reads)
          yield* TestClock.adjust("100 seconds")
          yield* cache.get("a", load("A"))
          return yield* remainingMs(cache, "a")
        })
      expect(yield* ttlAfterExpiryWithReads(0, 0)).toBe(75_000)
      expect(yield* ttlAfterExpiryWithReads(0, 1)).toBe(100_000)
      expect(yield* ttlAfterExpiryWithReads(4, 4)).toBe(75_000)
      expect(yield* ttlAfterExpiryWithReads(4, 5)).toBe(100_000)
    })
  )

  it.scoped("adaptationRate sets how much a TTL grows and shrinks", () =>
    Effect.gen(function* () {
      const adapted = (adaptationRate: number) =>
        Effect.gen(function* () {
          const cache = yield* makeCache({ adaptationRate })
          yield* cache.set("hot", "H")
          yield* readTimes(cache, "hot", 10)
          yield* cache.set("cold", "C")
          yield* TestClock.adjust("100 seconds")
          yield* cache.get("cold", load("C"))
          return [yield* remainingMs(cache, "hot"), yield* remainingMs(cache, "cold")]
        })
      // "hot" was promoted 100 s ago, so 100 s less of its grown TTL remains.
      expect(yield* adapted(0.25)).toEqual([25_000, 75_000])
      expect(yield* adapted(0.5)).toEqual([50_000, 50_000])
    })
  )
})

describe("unsafeGetIfPresent", () => {
  it.scoped("reads synchronously: hits counted, misses left to the fallback read, expired entries never returned", () =>
    Effect.gen(function* () {
      const cache = yield* makeCache({ maxEntries: 10, ttl: "60 seconds" })
      expect(cache.unsafeGetIfPresent("a")).toBeUndefined()
      yield* cache.set("a", "A")
      expect(cache.unsafeGetIfPresent("a")).toBe("A")
      expect(cache.unsafeStats()).toMatchObject({ hits: 1, misses: 0 })
      yield* TestClock.adjust("61 seconds")
      expect(cache.unsafeGetIfPresent("a")).toBeUndefined()
    })
  )
})
