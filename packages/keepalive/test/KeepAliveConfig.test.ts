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

  it.effect('absurd values are refused with the key path, in the pool\'s "expected ..., got ..." style', () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        KeepAliveConfig.decode({
          interval_secs: 0.0001,
          ping_timeout_secs: 1e9,
          stale_threshold_secs: 1e6,
          server_idle_timeout_secs: -1,
          enabled: "yes"
        })
      )
      expect(error.issues).toEqual(
        expect.arrayContaining([
          { path: "keepalive.interval_secs", message: "expected a number of seconds from 0.1 to 3600, got 0.0001" },
          {
            path: "keepalive.ping_timeout_secs",
            message: "expected a number of seconds from 0.01 to 300, got 1000000000"
          },
          {
            path: "keepalive.stale_threshold_secs",
            message: "expected a number of seconds from 0.1 to 86400, got 1000000"
          },
          {
            path: "keepalive.server_idle_timeout_secs",
            message: "expected a number of seconds from 0.01 to 86400, got -1"
          },
          { path: "keepalive.enabled", message: 'expected true or false, got "yes"' }
        ])
      )
      // the bounds themselves are accepted
      yield* KeepAliveConfig.decode({ interval_secs: 0.1, ping_timeout_secs: 300, stale_threshold_secs: 86_400 })
      yield* KeepAliveConfig.decode({ interval_secs: 3600, ping_timeout_secs: 0.01, stale_threshold_secs: 5400 })
    })
  )

  it.effect("with proactive pings, stale_threshold_secs must be at least 1.5 × interval_secs", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(KeepAliveConfig.decode({ interval_secs: 30, stale_threshold_secs: 44 }))
      expect(error.issues).toEqual([
        {
          path: "keepalive.stale_threshold_secs",
          message:
            "expected at least 1.5 × interval_secs = 45 while enable_proactive_ping is on (a connection the pinger " +
            "keeps warm may stay idle that long, and checking it again costs a round trip), got 44"
        }
      ])
      expect(error.message).toContain("Invalid [keepalive] config: keepalive.stale_threshold_secs: expected at least")
      yield* KeepAliveConfig.decode({ interval_secs: 30, stale_threshold_secs: 45 })
      // without the pinger (or keep-alive) nothing keeps connections warm: any threshold is fine
      yield* KeepAliveConfig.decode({ interval_secs: 30, stale_threshold_secs: 10, enable_proactive_ping: false })
      yield* KeepAliveConfig.decode({ interval_secs: 30, stale_threshold_secs: 10, enabled: false })
    })
  )
})
