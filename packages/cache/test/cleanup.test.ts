import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import * as TestClock from "effect/TestClock"
import { makeCache } from "./support/helpers.js"

const fill = (cache: Effect.Effect.Success<ReturnType<typeof makeCache>>) =>
  Effect.forEach(["a", "b", "c"], (k) => cache.set(k, k), { discard: true })

describe("background cleanup", () => {
  it.scoped("the sweeper removes expired entries every cleanupInterval", () =>
    Effect.gen(function* () {
      const cache = yield* makeCache({ backgroundCleanup: true, cleanupInterval: "10 seconds" })
      yield* fill(cache)
      yield* TestClock.adjust("90 seconds")
      expect(cache.unsafeStats()).toMatchObject({ sweeps: 9, entries: 3, expirations: 0 })
      yield* TestClock.adjust("10 seconds")
      expect(cache.unsafeStats()).toMatchObject({ sweeps: 10, entries: 0, expirations: 3 })
    })
  )

  it.scoped("cleanupInterval sets how often it sweeps", () =>
    Effect.gen(function* () {
      const every10 = yield* makeCache({ backgroundCleanup: true, cleanupInterval: "10 seconds" })
      const every30 = yield* makeCache({ backgroundCleanup: true, cleanupInterval: "30 seconds" })
      yield* fill(every10)
      yield* fill(every30)
      yield* TestClock.adjust("100 seconds")
      expect(every10.unsafeStats()).toMatchObject({ sweeps: 10, entries: 0 })
      expect(every30.unsafeStats()).toMatchObject({ sweeps: 3, entries: 3 })
      yield* TestClock.adjust("20 seconds")
      expect(every30.unsafeStats()).toMatchObject({ sweeps: 4, entries: 0 })
    })
  )

  it.scoped("with backgroundCleanup off nothing sweeps, expired entries are still never returned", () =>
    Effect.gen(function* () {
      const cache = yield* makeCache({ backgroundCleanup: false, cleanupInterval: "10 seconds" })
      yield* fill(cache)
      yield* TestClock.adjust("1000 seconds")
      expect(cache.unsafeStats()).toMatchObject({ sweeps: 0, entries: 3 })
      expect((yield* cache.getIfPresent("a"))._tag).toBe("None")
      expect(yield* cache.sweep()).toBe(2)
      expect(cache.unsafeStats()).toMatchObject({ sweeps: 1, entries: 0, expirations: 3 })
    })
  )

  it.effect("the sweeper stops when the cache's scope closes", () =>
    Effect.gen(function* () {
      const scope = yield* Scope.make()
      const cache = yield* Scope.extend(makeCache({ backgroundCleanup: true, cleanupInterval: "10 seconds" }), scope)
      yield* TestClock.adjust("30 seconds")
      expect(cache.unsafeStats().sweeps).toBe(3)
      yield* Scope.close(scope, Exit.void)
      yield* fill(cache)
      yield* TestClock.adjust("1000 seconds")
      expect(cache.unsafeStats()).toMatchObject({ sweeps: 3, entries: 3 })
    })
  )

  it.scoped("a sweep does not touch live entries or their windows", () =>
    Effect.gen(function* () {
      const cache = yield* makeCache({ backgroundCleanup: true, cleanupInterval: "10 seconds" })
      yield* cache.set("a", "A")
      yield* TestClock.adjust("50 seconds")
      yield* cache.set("b", "B")
      yield* TestClock.adjust("50 seconds")
      expect(cache.unsafeStats()).toMatchObject({ entries: 1, expirations: 1, hits: 0, misses: 0 })
      expect((yield* cache.getIfPresent("b"))._tag).toBe("Some")
    })
  )
})
