import { Episode } from "@memory-turso/model"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { describe, expect, it } from "vitest"
import { realisticEpisode } from "../bench/realisticEpisode.js"
import { DEFAULT_LIMITS } from "../src/config/LimitsSection.js"
import { decode, findingsError, makeBodies } from "../src/http/body.js"
import { decodeInSlices, encodeJsonInSlices, SLICE_ITEMS } from "../src/http/slicedDecode.js"
import { makeRecordCheck, noFindings, WALK_SLICE_ITEMS } from "../src/limits/RecordLimits.js"
import { shapeOf } from "../src/limits/Shape.js"

// A big body's long lists are decoded in slices with turns of the event loop between them, to the same record and
// the same first issue as one whole decode.

/** Runs an effect, counting the turns of the event loop (`setImmediate` callbacks) taken meanwhile. */
const countingTurns = async <A, E>(effect: Effect.Effect<A, E>) => {
  let turns = 0
  let running = true
  const tick = () => {
    if (!running) return
    turns++
    setImmediate(tick)
  }
  setImmediate(tick)
  const result = await Effect.runPromise(Effect.either(effect))
  running = false
  return { result, turns }
}

const base = realisticEpisode("sliced", 900 * 1024)
/** A fresh copy of one ~900 KB episode of 2,200 steps. */
const big = () => structuredClone(base) as Record<string, unknown> & { steps: Array<Record<string, unknown>> }
/** One whole decode reporting the first problem only, as `decode` does for big inputs. */
const whole = (input: unknown) => Effect.runPromise(Effect.either(decode(Episode, input, [], false)))

describe("decodeInSlices", () => {
  it("decodes a 2,000-step episode to the record a whole decode gives, letting the event loop turn between slices", async () => {
    const input = big()
    const steps = input.steps.length
    expect(steps).toBeGreaterThan(2000)
    const { result, turns } = await countingTurns(decodeInSlices(Episode, input))
    expect(Either.isRight(result)).toBe(true)
    expect(turns).toBeGreaterThanOrEqual(Math.floor(steps / SLICE_ITEMS))
    expect(result).toEqual(await whole(input))
  })

  it("decodes a small episode in one piece", async () => {
    const input = { ...big(), steps: base.steps.slice(0, 10) }
    const { result, turns } = await countingTurns(decodeInSlices(Episode, input))
    expect(result).toEqual(await whole(input))
    expect(turns).toBe(0)
  })

  it("names the bad item's own index, as a whole decode does", async () => {
    const input = big()
    input.steps[1500] = { ...input.steps[1500], timestamp: "yesterday" }
    input.steps[1800] = { ...input.steps[1800], step_number: -1 }
    const { result, turns } = await countingTurns(decodeInSlices(Episode, input))
    expect(Either.isLeft(result)).toBe(true)
    expect(result).toEqual(await whole(input))
    expect(JSON.stringify(result)).toContain('"steps.1500.timestamp"')
    expect(turns).toBeGreaterThanOrEqual(Math.floor(1500 / SLICE_ITEMS))
  })

  it("reports an unknown field inside an item as a whole decode does", async () => {
    const input = big()
    input.steps[700] = { ...input.steps[700], surprise: true }
    const { result } = await countingTurns(decodeInSlices(Episode, input))
    expect(result).toEqual(await whole(input))
    expect(JSON.stringify(result)).toContain("steps.700.surprise")
  })

  it("reports a problem in a field before the list first, as a whole decode does", async () => {
    const input = { ...big(), task_description: "" }
    input.steps[900] = { ...input.steps[900], timestamp: "yesterday" }
    const { result } = await countingTurns(decodeInSlices(Episode, input))
    expect(Either.isLeft(result)).toBe(true)
    expect(result).toEqual(await whole(input))
    expect(JSON.stringify(result)).toContain('"task_description"')
  })

  it("reports a problem in a field after the list once the list is valid, as a whole decode does", async () => {
    const input = { ...big(), tags: [1] }
    const { result } = await countingTurns(decodeInSlices(Episode, input))
    expect(Either.isLeft(result)).toBe(true)
    expect(result).toEqual(await whole(input))
    expect(JSON.stringify(result)).toContain('"tags.0"')
  })

  it("reports an unknown top-level field as a whole decode does", async () => {
    const input = { ...big(), surprise: 1 }
    input.steps[5] = { ...input.steps[5], timestamp: "yesterday" }
    const { result } = await countingTurns(decodeInSlices(Episode, input))
    expect(result).toEqual(await whole(input))
  })
})

describe("the limits walk of a big body", () => {
  const bodies = makeBodies(DEFAULT_LIMITS)
  /** The findings of one synchronous walk, as `check` reports them. */
  const walkedAtOnce = (input: unknown) => {
    const findings = noFindings()
    makeRecordCheck(DEFAULT_LIMITS)(input, shapeOf(Episode), "", 900 * 1024, findings)
    return findings
  }

  it("walks a 2,000-step episode in slices, counting the values a walk at once counts", async () => {
    const input = big()
    const { result, turns } = await countingTurns(bodies.check(Episode, input, 900 * 1024, { record: true }))
    expect(result).toEqual(Either.right(walkedAtOnce(input).values))
    expect(turns).toBeGreaterThanOrEqual(Math.floor(input.steps.length / WALK_SLICE_ITEMS))
  })

  it("finds the same problems, in the same order, as a walk at once", async () => {
    const input = big()
    input.steps[1000] = { ...input.steps[1000], tool: "lone \ud800 surrogate" }
    input.steps[1200] = { ...input.steps[1200], action: "x".repeat(DEFAULT_LIMITS.max_text_bytes + 1) }
    input["tags"] = Array.from({ length: DEFAULT_LIMITS.max_tags + 1 }, (_, i) => `t${i}`)
    const { result } = await countingTurns(bodies.check(Episode, input, 900 * 1024, { record: true }))
    const findings = walkedAtOnce(input)
    expect(findings.limits.map((issue) => issue.path)).toEqual(["steps.1200.action", "tags"])
    expect(findings.text.map((issue) => issue.path)).toEqual(["steps.1000.tool"])
    expect(result).toEqual(Either.left(findingsError(findings)))
  })
})

describe("encodeJsonInSlices", () => {
  it("gives a 2,000-step episode's JSON as one whole encode does, letting the event loop turn between slices", async () => {
    const decoded = Schema.decodeUnknownSync(Episode)(big())
    const { result, turns } = await countingTurns(encodeJsonInSlices(Episode, decoded))
    expect(result).toEqual(Either.right(JSON.stringify(Schema.encodeSync(Episode)(decoded))))
    expect(turns).toBeGreaterThanOrEqual(Math.floor(decoded.steps.length / SLICE_ITEMS))
  })

  it("leaves a small episode to be encoded in one piece", async () => {
    const decoded = Schema.decodeUnknownSync(Episode)({ ...big(), steps: base.steps.slice(0, 10) })
    expect(await Effect.runPromise(encodeJsonInSlices(Episode, decoded))).toBeUndefined()
  })
})
