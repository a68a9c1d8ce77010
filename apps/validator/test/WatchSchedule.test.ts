import { describe, expect, it } from "@effect/vitest"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as TestClock from "effect/TestClock"
import { formatOffset, loop, offsets, schedules } from "../src/WatchSchedule.js"

const MIN = 60_000
const HOUR = 60 * MIN

describe("WatchSchedule", () => {
  it("staging: every 15 min to 2 h, hourly to 8 h, every 4 h to 24 h", () => {
    const at = offsets(schedules.staging)
    expect(at).toEqual([
      ...[0, 15, 30, 45, 60, 75, 90, 105, 120].map((m) => m * MIN),
      ...[3, 4, 5, 6, 7, 8].map((h) => h * HOUR),
      ...[12, 16, 20, 24].map((h) => h * HOUR)
    ])
    expect(offsets(schedules.staging, 0.001)).toEqual(at.map((ms) => ms * 0.001))
    expect(formatOffset(2 * HOUR + 15 * MIN)).toBe("+2:15:00")
    expect(formatOffset(900)).toBe("+0:00:00.900")
  })

  it.effect("takes each sample at its offset on the clock", () =>
    Effect.gen(function* () {
      const taken: Array<number> = []
      const fiber = yield* Effect.fork(
        loop(offsets(schedules.staging, 0.001), () =>
          Effect.map(Clock.currentTimeMillis, (now) => {
            taken.push(now)
            return true
          })
        )
      )
      yield* TestClock.adjust("1 second")
      expect(taken).toEqual([0, 900]) // 15 min x 0.001
      yield* TestClock.adjust("100 seconds")
      const result = yield* Fiber.join(fiber)
      expect(result).toEqual({ samples: 19, stopped: false })
      expect(taken).toEqual(offsets(schedules.staging, 0.001))
    })
  )

  it.effect("stops at the first sample whose step says so, without waiting for the rest", () =>
    Effect.gen(function* () {
      let calls = 0
      const fiber = yield* Effect.fork(loop(offsets(schedules.staging), () => Effect.sync(() => ++calls < 3)))
      yield* TestClock.adjust("30 minutes")
      expect(yield* Fiber.join(fiber)).toEqual({ samples: 3, stopped: true })
      expect(calls).toBe(3)
    })
  )

  it.effect("a slow sample does not shift the later ones", () =>
    Effect.gen(function* () {
      const taken: Array<number> = []
      const fiber = yield* Effect.fork(
        loop([0, 1000, 2000], () =>
          Effect.gen(function* () {
            taken.push(yield* Clock.currentTimeMillis)
            yield* Effect.sleep("400 millis")
            return true
          })
        )
      )
      yield* TestClock.adjust("5 seconds")
      yield* Fiber.join(fiber)
      expect(taken).toEqual([0, 1000, 2000])
    })
  )
})
