import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import { continuity } from "../src/Observations.js"
import { errorRateSpan } from "../src/Watch.js"
import { snapshot } from "./support/contract.js"
import { route } from "./support/metricsBody.js"

const restart = (before: ReturnType<typeof snapshot>, after: ReturnType<typeof snapshot>) => {
  const result = continuity(before, after)
  return Either.isLeft(result) ? result.left.message : "same process"
}

describe("continuity (an API restart between two snapshots)", () => {
  const before = snapshot((b) => (b.process.uptime_s = 120))

  it("the same process, counters equal or grown: fine", () => {
    expect(restart(before, before)).toBe("same process")
    const later = snapshot((b) => {
      b.process.uptime_s = 180
      b.cache.episode_hits = 50
      b.requests["GET /health"].count = 9
      b.requests["GET /metrics"] = route(1, 0)
    })
    expect(restart(before, later)).toBe("same process")
  })

  it("uptime going down, any cumulative counter going down, or a route vanishing is a restart", () => {
    expect(
      restart(
        before,
        snapshot((b) => (b.process.uptime_s = 2))
      )
    ).toBe(
      "the API answered garbage: GET /metrics: the API restarted during the window (process.uptime_s went from 120 to 2); rerun the validation"
    )
    const counter = (edit: (b: Record<string, any>) => void) =>
      restart(
        before,
        snapshot((b) => {
          b.process.uptime_s = 180
          edit(b)
        })
      )
    expect(counter((b) => (b.cache.episode_misses = 0))).toContain("(cache.episode_misses went from 1 to 0)")
    expect(counter((b) => (b.compression.bytes_in = 10))).toContain("(compression.bytes_in went from 1000 to 10)")
    expect(counter((b) => (b.requests["GET /health"].errors = 0))).toContain(
      '(requests["GET /health"].errors went from 1 to 0)'
    )
    expect(counter((b) => (b.requests = {}))).toContain('(requests["GET /health"].count went from 3 to absent)')
    expect(counter((b) => (b.pool = { enabled: false }))).toContain("(pool.timeouts went from 0 to absent)")
  })
})

describe("the watch's error-rate window", () => {
  const at = (count: number) => snapshot((b) => (b.requests = { "GET /health": route(count, 0) }))

  it("reaches back to the latest snapshot that leaves at least the minimum of requests, else to the first", () => {
    const history = [at(0), at(40), at(80), at(120)]
    expect(errorRateSpan(history, at(160), 100).from).toBe(history[1]) // 120 requests; from 80 only 80
    expect(errorRateSpan(history, at(160), 40).from).toBe(history[3])
    expect(errorRateSpan(history, at(160), 200).from).toBe(history[0]) // too few anywhere: the widest window
  })
})
