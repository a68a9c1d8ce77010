import { describe, expect, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as TestClock from "effect/TestClock"
import { Counters, checkoutWith } from "../src/internal/counters.js"
import * as Permits from "../src/internal/permits.js"

const waitUntil = (check: () => boolean) =>
  Effect.gen(function* () {
    while (!check()) yield* Effect.yieldNow()
  })

describe("Permits (FIFO queue with acquire timeout)", () => {
  it.effect("hands released permits to waiters in arrival order", () =>
    Effect.gen(function* () {
      const permits = Permits.make(1, "10 seconds")
      yield* permits.acquire
      const order: Array<string> = []
      const fibers = []
      for (const name of ["a", "b", "c"]) {
        fibers.push(
          yield* Effect.fork(
            Effect.gen(function* () {
              yield* permits.acquire
              order.push(name)
              permits.release()
            })
          )
        )
        yield* waitUntil(() => permits.waiting() === order.length + fibers.length)
      }
      expect(permits.waiting()).toBe(3)
      // a free permit never lets a newcomer jump the queue
      expect(permits.tryAcquire()).toBe(false)
      permits.release()
      yield* Fiber.joinAll(fibers)
      expect(order).toEqual(["a", "b", "c"])
      expect(permits.active()).toBe(0)
    })
  )

  it.effect("a waiter gives up after exactly the timeout with PoolTimeout naming the wait and the size", () =>
    Effect.gen(function* () {
      const permits = Permits.make(2, "10 seconds")
      yield* permits.acquire
      yield* permits.acquire
      const waiter = yield* Effect.fork(Effect.either(permits.acquire))
      yield* waitUntil(() => permits.waiting() === 1)
      yield* TestClock.adjust("9999 millis")
      expect(waiter.unsafePoll()).toBeNull()
      yield* TestClock.adjust("1 millis")
      const result = yield* Fiber.join(waiter)
      expect(result._tag).toBe("Left")
      if (result._tag === "Left") {
        expect(result.left).toMatchObject({ _tag: "PoolTimeout", waited_ms: 10_000, max_connections: 2, waiting: 0 })
        expect(result.left.message).toContain("all 2 connections are busy")
      }
      expect(permits.waiting()).toBe(0)
      expect(permits.active()).toBe(2)
    })
  )

  it.effect("an interrupted waiter leaves the queue; a permit granted meanwhile goes to the next one", () =>
    Effect.gen(function* () {
      const permits = Permits.make(1, "10 seconds")
      yield* permits.acquire
      const first = yield* Effect.fork(permits.acquire)
      yield* waitUntil(() => permits.waiting() === 1)
      const got = yield* Deferred.make<void>()
      const second = yield* Effect.fork(Effect.zipRight(permits.acquire, Deferred.succeed(got, undefined)))
      yield* waitUntil(() => permits.waiting() === 2)
      yield* Fiber.interrupt(first)
      expect(permits.waiting()).toBe(1)
      permits.release()
      yield* Deferred.await(got)
      yield* Fiber.join(second)
      expect(permits.active()).toBe(1)
      const exit = yield* Fiber.await(first)
      expect(Exit.isInterrupted(exit)).toBe(true)
    })
  )

  it.effect("reports how long a waiter waited (Clock time)", () =>
    Effect.gen(function* () {
      const permits = Permits.make(1, "10 seconds")
      expect(yield* permits.acquire).toBe(0)
      const waiter = yield* Effect.fork(permits.acquire)
      yield* waitUntil(() => permits.waiting() === 1)
      yield* TestClock.adjust("250 millis")
      permits.release()
      expect(yield* Fiber.join(waiter)).toBe(250)
    })
  )
})

describe("checkout: permit, then a connection", () => {
  it.effect("a failing take gives its permit back: max_connections + 1 failures leave nothing active", () =>
    Effect.gen(function* () {
      const permits = Permits.make(2, "10 seconds")
      const counters = new Counters()
      let takes = 0
      const failing = () =>
        Effect.suspend(() => {
          takes++
          return Effect.fail("no connection" as const)
        })
      const checkout = Effect.scoped(checkoutWith(permits, counters, failing, () => Effect.void))
      for (let i = 0; i < 3; i++) expect(yield* Effect.flip(checkout)).toBe("no connection")
      // without the release, the third attempt would wait for a permit instead of reaching take
      expect(takes).toBe(3)
      expect(permits.active()).toBe(0)
      expect(yield* counters.snapshot(permits, () => 0)).toMatchObject({ active: 0, total_acquired: 0, timeouts: 0 })
    })
  )

  it.effect("a take interrupted while it waits (in restore) gives its permit back", () =>
    Effect.gen(function* () {
      const permits = Permits.make(1, "10 seconds")
      const counters = new Counters()
      const waiting = yield* Deferred.make<void>()
      const take = (restore: <A, E, R>(e: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>) =>
        restore(Effect.zipRight(Deferred.succeed(waiting, undefined), Effect.never))
      const fiber = yield* Effect.fork(Effect.scoped(checkoutWith(permits, counters, take, () => Effect.void)))
      yield* Deferred.await(waiting)
      expect(permits.active()).toBe(1)
      yield* Fiber.interrupt(fiber)
      expect(permits.active()).toBe(0)
    })
  )

  it.effect("the wait of a take counts in the wait statistics; a lease is released with its scope", () =>
    Effect.gen(function* () {
      const permits = Permits.make(1, "10 seconds")
      const counters = new Counters()
      const released: Array<string> = []
      const take = () => Effect.succeed(["lease", 40] as const)
      // the pool's release puts the connection back and returns the permit
      const release = (l: string) =>
        Effect.sync(() => {
          released.push(l)
          permits.release()
        })
      const lease = yield* Effect.scoped(checkoutWith(permits, counters, take, release))
      expect(lease).toBe("lease")
      expect(released).toEqual(["lease"])
      expect(yield* counters.snapshot(permits, () => 0)).toMatchObject({
        active: 0,
        total_acquired: 1,
        max_wait_ms: 40
      })
    })
  )
})
