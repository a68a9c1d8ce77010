import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as TestClock from "effect/TestClock"
import { makeCache } from "./support/helpers.js"

/** A load that takes one (virtual) second and counts its runs. */
const slowLoader = (value: (n: number) => string) => {
  const counter = { runs: 0 }
  const effect = Effect.gen(function* () {
    const n = ++counter.runs
    yield* Effect.sleep("1 second")
    return value(n)
  })
  return { counter, effect }
}

describe("single flight", () => {
  it.scoped("100 concurrent gets of one cold key run the load once and all get its value", () =>
    Effect.gen(function* () {
      const cache = yield* makeCache()
      const { counter, effect } = slowLoader((n) => `v${n}`)
      const fiber = yield* Effect.fork(
        Effect.all(
          Array.from({ length: 100 }, () => cache.get("k", effect)),
          { concurrency: "unbounded" }
        )
      )
      yield* TestClock.adjust("1 second")
      const values = yield* Fiber.join(fiber)
      expect(counter.runs).toBe(1)
      expect(new Set(values)).toEqual(new Set(["v1"]))
      expect(values).toHaveLength(100)
      expect(cache.unsafeStats()).toMatchObject({ loads: 1, misses: 100, hits: 0, entries: 1 })
      expect(yield* cache.get("k", effect)).toBe("v1")
      expect(counter.runs).toBe(1)
    })
  )

  it.scoped("a failed load is shared by its waiters, not cached, and retried by the next caller", () =>
    Effect.gen(function* () {
      const cache = yield* makeCache()
      let runs = 0
      const flaky = Effect.gen(function* () {
        const n = ++runs
        yield* Effect.sleep("1 second")
        if (n === 1) return yield* Effect.fail("boom" as const)
        return "ok"
      })
      const fiber = yield* Effect.fork(
        Effect.all(
          Array.from({ length: 10 }, () => Effect.either(cache.get("k", flaky))),
          { concurrency: "unbounded" }
        )
      )
      yield* TestClock.adjust("1 second")
      const results = yield* Fiber.join(fiber)
      expect(results.every((r) => r._tag === "Left" && r.left === "boom")).toBe(true)
      expect(runs).toBe(1)
      expect(yield* cache.getIfPresent("k")).toEqual(Option.none())
      const next = yield* Effect.fork(cache.get("k", flaky))
      yield* TestClock.adjust("1 second")
      expect(yield* Fiber.join(next)).toBe("ok")
      expect(runs).toBe(2)
      expect(cache.unsafeStats()).toMatchObject({ loads: 2, load_failures: 1, entries: 1 })
    })
  )

  it.scoped("a load that dies counts as a failure and is not cached", () =>
    Effect.gen(function* () {
      const cache = yield* makeCache()
      const exit = yield* Effect.exit(cache.get("k", Effect.dieMessage("defect")))
      expect(Exit.isFailure(exit)).toBe(true)
      expect(cache.unsafeStats()).toMatchObject({ loads: 1, load_failures: 1, entries: 0 })
    })
  )

  it.scoped("a throwing weigh fails the leader with a defect but releases the waiters and caches nothing", () =>
    Effect.gen(function* () {
      const cache = yield* makeCache({
        weigh: () => {
          throw new Error("bad weigh")
        }
      })
      const { effect } = slowLoader(() => "v")
      const leader = yield* Effect.fork(Effect.exit(cache.get("k", effect)))
      yield* TestClock.adjust("100 millis")
      const waiter = yield* Effect.fork(cache.get("k", effect))
      yield* TestClock.adjust("1 second")
      expect(yield* Fiber.join(waiter)).toBe("v")
      const exit = yield* Fiber.join(leader)
      expect(Exit.isFailure(exit) && Cause.isDie(exit.cause)).toBe(true)
      expect(cache.unsafeStats()).toMatchObject({ entries: 0, approx_bytes: 0 })
    })
  )

  it.scoped("when the leading caller is interrupted a waiter takes over the load", () =>
    Effect.gen(function* () {
      const cache = yield* makeCache()
      const { counter, effect } = slowLoader((n) => `v${n}`)
      const leader = yield* Effect.fork(cache.get("k", effect))
      yield* TestClock.adjust("500 millis")
      const waiter = yield* Effect.fork(cache.get("k", effect))
      yield* TestClock.adjust("100 millis")
      yield* Fiber.interrupt(leader)
      yield* TestClock.adjust("1 second")
      expect(yield* Fiber.join(waiter)).toBe("v2")
      expect(counter.runs).toBe(2)
      expect(cache.unsafeStats()).toMatchObject({ loads: 2, load_failures: 0, entries: 1 })
    })
  )

  it.scoped("an interrupted waiter does not stop the load for the others", () =>
    Effect.gen(function* () {
      const cache = yield* makeCache()
      const { counter, effect } = slowLoader((n) => `v${n}`)
      const leader = yield* Effect.fork(cache.get("k", effect))
      yield* TestClock.adjust("100 millis")
      const waiter = yield* Effect.fork(cache.get("k", effect))
      yield* TestClock.adjust("100 millis")
      yield* Fiber.interrupt(waiter)
      yield* TestClock.adjust("1 second")
      expect(yield* Fiber.join(leader)).toBe("v1")
      expect(counter.runs).toBe(1)
    })
  )
})

describe("loads overtaken by writes", () => {
  it.scoped("a load started before invalidate returns to its callers but does not fill the cache", () =>
    Effect.gen(function* () {
      const cache = yield* makeCache()
      const { counter, effect } = slowLoader((n) => (n === 1 ? "stale" : "fresh"))
      const before = yield* Effect.fork(cache.get("k", effect))
      const joined = yield* Effect.fork(cache.get("k", effect))
      yield* TestClock.adjust("500 millis")
      expect(yield* cache.invalidate("k")).toBe(false) // nothing cached yet, but the flight is dropped
      const after = yield* Effect.fork(cache.get("k", effect)) // must not join the stale load
      yield* TestClock.adjust("500 millis")
      expect(yield* Fiber.join(before)).toBe("stale")
      expect(yield* Fiber.join(joined)).toBe("stale")
      expect(yield* cache.getIfPresent("k")).toEqual(Option.none())
      yield* TestClock.adjust("500 millis")
      expect(yield* Fiber.join(after)).toBe("fresh")
      expect(yield* cache.getIfPresent("k")).toEqual(Option.some("fresh"))
      expect(counter.runs).toBe(2)
    })
  )

  it.scoped("a load started before set does not overwrite the value that was set", () =>
    Effect.gen(function* () {
      const cache = yield* makeCache()
      const { effect } = slowLoader(() => "stale")
      const before = yield* Effect.fork(cache.get("k", effect))
      yield* TestClock.adjust("500 millis")
      yield* cache.set("k", "written")
      yield* TestClock.adjust("500 millis")
      expect(yield* Fiber.join(before)).toBe("stale")
      expect(yield* cache.getIfPresent("k")).toEqual(Option.some("written"))
    })
  )

  it.scoped("clear and invalidateWhere also drop the loads in flight", () =>
    Effect.gen(function* () {
      const cache = yield* makeCache()
      for (const drop of [() => cache.clear(), () => cache.invalidateWhere(() => false)]) {
        const { effect } = slowLoader(() => "stale")
        const before = yield* Effect.fork(cache.get("k", effect))
        yield* TestClock.adjust("500 millis")
        yield* drop()
        yield* TestClock.adjust("500 millis")
        expect(yield* Fiber.join(before)).toBe("stale")
        expect(yield* cache.getIfPresent("k")).toEqual(Option.none())
      }
    })
  )

  it.scoped("an unrelated invalidate does not drop a load", () =>
    Effect.gen(function* () {
      const cache = yield* makeCache()
      const { effect } = slowLoader(() => "v")
      const fiber = yield* Effect.fork(cache.get("k", effect))
      yield* TestClock.adjust("500 millis")
      yield* cache.invalidate("other")
      yield* TestClock.adjust("500 millis")
      yield* Fiber.join(fiber)
      expect(yield* cache.getIfPresent("k")).toEqual(Option.some("v"))
    })
  )
})

describe("invalidation", () => {
  it.scoped("invalidate, invalidateWhere and clear remove entries and count them", () =>
    Effect.gen(function* () {
      const cache = yield* makeCache()
      for (const k of ["a1", "a2", "b1", "b2", "c1"]) yield* cache.set(k, k.toUpperCase())
      expect(yield* cache.invalidate("a1")).toBe(true)
      expect(yield* cache.invalidate("a1")).toBe(false)
      expect(yield* cache.invalidateWhere((k, v) => k.startsWith("b") || v === "A2")).toBe(3)
      expect(yield* cache.getIfPresent("c1")).toEqual(Option.some("C1"))
      expect(yield* cache.clear()).toBe(1)
      expect(cache.unsafeStats()).toMatchObject({ invalidations: 5, entries: 0 })
    })
  )
})
