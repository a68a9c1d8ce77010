import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as KeepAliveConfig from "../src/KeepAliveConfig.js"

describe("KeepAliveConfig", () => {
  it.effect("defaults from the plan: on, 30 s interval, 60 s stale threshold, pings on, 5 s ping timeout", () =>
    Effect.gen(function* () {
      expect(yield* KeepAliveConfig.decode(undefined)).toEqual({
        enabled: true,
        interval_secs: 30,
        stale_threshold_secs: 60,
        enable_proactive_ping: true,
        ping_timeout_secs: 5
      })
      expect(KeepAliveConfig.worstIdleMs(KeepAliveConfig.defaults)).toBe(45_000)
    })
  )

  it.effect("accepts the staging section verbatim, and the optional server idle timeout", () =>
    Effect.gen(function* () {
      const staging = {
        enabled: true,
        interval_secs: 30,
        stale_threshold_secs: 60,
        enable_proactive_ping: true,
        ping_timeout_secs: 5
      }
      expect(yield* KeepAliveConfig.decode(staging)).toEqual(staging)
      const withServer = yield* KeepAliveConfig.decode({ ...staging, server_idle_timeout_secs: 5 })
      expect(withServer.server_idle_timeout_secs).toBe(5)
    })
  )

  it.effect("every invalid key is reported with its path; unknown keys are rejected", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        KeepAliveConfig.decode({ interval_secs: 0, ping_timeout_secs: "5", enabled: 1, intervall_secs: 3 })
      )
      expect(error.issues.map((i) => i.path)).toEqual(
        expect.arrayContaining([
          "keepalive.interval_secs",
          "keepalive.ping_timeout_secs",
          "keepalive.enabled",
          "keepalive.intervall_secs"
        ])
      )
      expect(error.message).toContain("keepalive.interval_secs")
    })
  )
})
