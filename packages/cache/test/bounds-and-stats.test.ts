import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import QuickLRU from "quick-lru"
import { resolve } from "../src/internal/options.js"
import { Store } from "../src/internal/store.js"
import { makeCache } from "./support/helpers.js"

/** Every entry quick-lru holds, in both generations (its iterator skips a key only if it sits in both). */
const held = <K, V>(lru: QuickLRU<K, V>) => [...lru].length
const oldGeneration = <K, V>(lru: QuickLRU<K, V>) => (lru as unknown as { __oldCache: Map<K, V> }).__oldCache.size

const storeOf = (maxEntries: number) =>
  new Store<string, string>(
    resolve<string, string>({ maxEntries, ttl: "100 seconds", weigh: (v) => v.length, weighKey: () => 0 }).pipe((e) => {
      if (e._tag === "Left") throw e.left
      return e.right
    })
  )

describe("bounded size", () => {
  it("a raw quick-lru holds up to twice its maxSize (why the store is sized at half)", () => {
    const lru = new QuickLRU<number, number>({ maxSize: 100 })
    let most = 0
    for (let i = 0; i < 1_000; i++) most = Math.max(most, held(lru.set(i, i)))
    expect(most).toBe(199)
  })

  for (const maxEntries of [1, 2, 7, 100, 101]) {
    it(`maxEntries = ${maxEntries} is a real maximum, both generations counted`, () => {
      const store = storeOf(maxEntries)
      let most = 0
      for (let i = 0; i < 5_000; i++) {
        store.fill(`k${i}`, "x", 0)
        // Re-set older keys, which sit in quick-lru's old generation: no stale copy may stay behind.
        if (i % 3 === 0) store.fill(`k${Math.floor(i / 2)}`, "y", 0)
        if (i % 5 === 0) store.read(`k${i - 1}`, 0)
        most = Math.max(most, held(store.lru))
        expect(store.entries).toBe(held(store.lru))
      }
      // quick-lru holds at most 2 * maxSize - 1 = 2 * ceil(maxEntries / 2) - 1 entries.
      expect(most).toBe(2 * Math.ceil(maxEntries / 2) - 1)
      expect(most).toBeLessThanOrEqual(maxEntries)
      expect(oldGeneration(store.lru)).toBeLessThanOrEqual(Math.ceil(maxEntries / 2))
      expect(store.bytes).toBe(store.entries)
    })
  }

  it.scoped("filling far beyond maxEntries keeps at most maxEntries and counts every eviction", () =>
    Effect.gen(function* () {
      const cache = yield* makeCache({ maxEntries: 1000 })
      let most = 0
      for (let i = 0; i < 20_000; i++) {
        yield* cache.set(`k${i}`, "v")
        most = Math.max(most, cache.unsafeStats().entries)
      }
      expect(most).toBe(999)
      const stats = cache.unsafeStats()
      expect(stats.entries).toBeGreaterThanOrEqual(500)
      expect(stats.evictions + stats.entries).toBe(20_000)
      expect(stats.expirations).toBe(0)
      // The most recent keys are still there; the oldest are gone.
      expect(yield* cache.getIfPresent("k19999")).toEqual(Option.some("v"))
      expect(yield* cache.getIfPresent("k0")).toEqual(Option.none())
    })
  )

  it.scoped("eviction is least-recently-used, not first-in-first-out", () =>
    Effect.gen(function* () {
      const cache = yield* makeCache({ maxEntries: 10 })
      yield* cache.set("first", "F")
      for (let i = 0; i < 100; i++) {
        yield* cache.set(`k${i}`, "v")
        yield* cache.getIfPresent("first")
      }
      expect(yield* cache.getIfPresent("first")).toEqual(Option.some("F"))
    })
  )

  it.scoped("maxEntries sets the bound", () =>
    Effect.gen(function* () {
      const small = yield* makeCache({ maxEntries: 10 })
      const large = yield* makeCache({ maxEntries: 500 })
      for (let i = 0; i < 1000; i++) {
        yield* small.set(`k${i}`, "v")
        yield* large.set(`k${i}`, "v")
      }
      expect(small.unsafeStats().entries).toBeLessThanOrEqual(10)
      expect(large.unsafeStats().entries).toBeGreaterThan(10)
      expect(large.unsafeStats().entries).toBeLessThanOrEqual(500)
    })
  )

  it("an evicted key keeps its adapted TTL, within a bounded memory", () => {
    const store = storeOf(4)
    store.fill("hot", "v", 0)
    for (let i = 0; i < 10; i++) store.read("hot", 0)
    for (let i = 0; i < 10; i++) store.fill(`k${i}`, "v", 0)
    expect(store.lru.has("hot")).toBe(false)
    store.fill("hot", "v", 0)
    expect(store.lru.peek("hot")?.ttl).toBe(125_000)
    const memory = storeOf(4)
    for (let i = 0; i < 100; i++) {
      memory.fill(`k${i}`, "v", 0)
      memory.sweep(200_000) // every entry expires cold, so its shrunk TTL is remembered
    }
    expect(held(memory.ttlMemory)).toBeLessThanOrEqual(4)
  })
})

describe("statistics", () => {
  it.scoped("hit_rate is a fraction of reads; counters add up", () =>
    Effect.gen(function* () {
      const cache = yield* makeCache()
      expect(cache.unsafeStats().hit_rate).toBe(0)
      yield* cache.get("a", Effect.succeed("A"))
      yield* cache.get("a", Effect.succeed("A"))
      yield* cache.getIfPresent("a")
      yield* cache.getIfPresent("a")
      yield* cache.getIfPresent("b")
      const stats = yield* cache.stats
      expect(stats).toEqual({
        hits: 3,
        misses: 2,
        loads: 1,
        load_failures: 0,
        evictions: 0,
        expirations: 0,
        invalidations: 0,
        sweeps: 0,
        hit_rate: 0.6,
        entries: 1,
        approx_bytes: 2, // the key "a": two bytes per character
        oversized: 0
      })
    })
  )

  it.scoped("weigh feeds approx_bytes, which follows sets, replacements, invalidations and evictions", () =>
    Effect.gen(function* () {
      const cache = yield* makeCache({ maxEntries: 4, weigh: (v) => v.length, weighKey: () => 0 })
      yield* cache.set("a", "x".repeat(100))
      yield* cache.set("b", "x".repeat(50))
      expect(cache.unsafeStats().approx_bytes).toBe(150)
      yield* cache.set("a", "x".repeat(10))
      expect(cache.unsafeStats().approx_bytes).toBe(60)
      yield* cache.invalidate("b")
      expect(cache.unsafeStats().approx_bytes).toBe(10)
      for (let i = 0; i < 50; i++) yield* cache.set(`k${i}`, "xx")
      const stats = cache.unsafeStats()
      expect(stats.approx_bytes).toBe(2 * stats.entries)
    })
  )

  it.scoped("maxEntryWeight: a heavier value is returned but not kept, and replaces no older value", () =>
    Effect.gen(function* () {
      const cache = yield* makeCache({ maxEntries: 10, weigh: (v) => v.length, maxEntryWeight: 100 })
      yield* cache.set("a", "small")
      expect(yield* cache.get("b", Effect.succeed("x".repeat(101)))).toHaveLength(101)
      expect(yield* cache.getIfPresent("b")).toEqual(Option.none())
      yield* cache.set("a", "y".repeat(500))
      expect(yield* cache.getIfPresent("a")).toEqual(Option.none())
      const stats = cache.unsafeStats()
      expect(stats).toMatchObject({ oversized: 2, entries: 0, approx_bytes: 0 })
    })
  )

  it.scoped("a key weighs what it holds: its size counts in approx_bytes and against maxEntryWeight", () =>
    Effect.gen(function* () {
      const cache = yield* makeCache({ maxEntries: 10, weigh: (v) => v.length, maxEntryWeight: 1000 })
      yield* cache.set("k".repeat(100), "v".repeat(50))
      expect(cache.unsafeStats()).toMatchObject({ entries: 1, approx_bytes: 250 })
      // a small value under a 1000-character key weighs 2000: served, not kept
      const long = "q".repeat(1000)
      expect(yield* cache.get(long, Effect.succeed("small"))).toBe("small")
      expect(yield* cache.getIfPresent(long)).toEqual(Option.none())
      expect(cache.unsafeStats()).toMatchObject({ entries: 1, approx_bytes: 250, oversized: 1 })
      const custom = yield* makeCache({ maxEntries: 10, weighKey: (key: string) => 100 * key.length })
      yield* custom.set("abc", "v")
      expect(custom.unsafeStats().approx_bytes).toBe(300)
    })
  )

  it.effect("maxEntryWeight must be positive", () =>
    Effect.gen(function* () {
      const negative = yield* Effect.flip(Effect.scoped(makeCache({ weigh: (v) => v.length, maxEntryWeight: 0 })))
      expect(negative.option).toBe("maxEntryWeight")
      // without weigh it bounds the keys' weight
      const keys = yield* Effect.scoped(
        Effect.gen(function* () {
          const cache = yield* makeCache({ maxEntryWeight: 10 })
          yield* cache.set("short", "v")
          yield* cache.set("a longer key", "v")
          return cache.unsafeStats()
        })
      )
      expect(keys).toMatchObject({ entries: 1, oversized: 1 })
    })
  )
})
