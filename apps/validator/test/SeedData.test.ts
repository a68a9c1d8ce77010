import { gzipSync } from "node:zlib"
import { describe, expect, it } from "@effect/vitest"
import { episode, MAX_BYTES, MIN_BYTES } from "../src/SeedData.js"

describe("SeedData", () => {
  const texts = Array.from({ length: 100 }, (_, i) => JSON.stringify(episode("run-a", `mtv-run-a-read-${i}`)))

  it("episodes are 4-8 KB of JSON, all different, and the same for the same seed and id", () => {
    for (const text of texts) {
      expect(text.length).toBeGreaterThanOrEqual(MIN_BYTES)
      expect(text.length).toBeLessThanOrEqual(MAX_BYTES)
    }
    expect(new Set(texts).size).toBe(100)
    expect(JSON.stringify(episode("run-a", "mtv-run-a-read-7"))).toBe(texts[7])
    expect(JSON.stringify(episode("run-b", "mtv-run-a-read-7"))).not.toBe(texts[7])
  })

  it("mixes code, logs and JSON tool output in the API's episode shape", () => {
    const all = texts.join("\n")
    expect(all).toContain("Effect.fn(") // code
    expect(all).toMatch(/\d{4}-\d\d-\d\dT[\d:.]+Z (INFO|WARN|ERROR|DEBUG)/) // log lines
    expect(all).toContain('\\"matches\\"') // JSON tool output inside a step result
    const e = JSON.parse(texts[0]!)
    expect(typeof e.task_description).toBe("string")
    expect(e.steps.length).toBeGreaterThan(0)
    expect(e.steps.every((s: any, i: number) => s.step_number === i + 1)).toBe(true)
  })

  it("compresses like real text, not like filler: gzip keeps 20-60% of each episode", () => {
    for (const text of texts) {
      const ratio = gzipSync(text).length / text.length
      expect(ratio).toBeGreaterThan(0.2)
      expect(ratio).toBeLessThan(0.6)
    }
  })
})
