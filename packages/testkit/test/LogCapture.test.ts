import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as LogLevel from "effect/LogLevel"
import { captureLogs } from "../src/LogCapture.js"

describe("captureLogs", () => {
  it.effect("keeps messages at or above the minimum level, drops lower ones and TestClock's own warning", () =>
    Effect.gen(function* () {
      const logs = captureLogs(LogLevel.Warning)
      yield* Effect.gen(function* () {
        yield* Effect.logInfo("below the minimum")
        yield* Effect.logWarning("a warning")
        yield* Effect.logError("an", "error")
        yield* Effect.logWarning(
          "Warning: A test is using time, but is not advancing the test clock, which may result in the test hanging."
        )
      }).pipe(Effect.provide(logs.layer))
      expect(logs.messages).toEqual(["a warning", "an error"])
    })
  )
})
