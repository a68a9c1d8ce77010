import { describe, expect, it } from "@effect/vitest"
import { quantile, summarize } from "../src/Distribution.js"

describe("Distribution", () => {
  it("uses nearest-rank percentiles over unsorted samples", () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i) // 100..1
    const d = summarize(samples)
    expect(d).toMatchObject({
      samples: 100,
      min_ms: 1,
      p25_ms: 25,
      p50_ms: 50,
      p75_ms: 75,
      p95_ms: 95,
      p99_ms: 99,
      max_ms: 100,
      mean_ms: 50.5
    })
    expect(d.samples_ms).toEqual(samples)
  })

  it("small sample counts round the rank up, never below the first value", () => {
    expect(quantile([1, 2, 3, 4, 5], 0.5)).toBe(3)
    expect(quantile([1, 2, 3, 4, 5], 0.99)).toBe(5)
    expect(quantile([7], 0.01)).toBe(7)
    expect(summarize([0.0004, 2.5]).min_ms).toBe(0)
  })

  it("refuses an empty sample set", () => {
    expect(() => summarize([])).toThrow(RangeError)
  })
})
