import { Episode, Heuristic, Pattern } from "@memory-turso/model"
import * as Arbitrary from "effect/Arbitrary"
import * as FastCheck from "effect/FastCheck"
import * as Schema from "effect/Schema"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type Harness, makeHarness } from "./support/harness.js"

let h: Harness
beforeAll(async () => {
  h = await makeHarness()
})
afterAll(() => h.dispose())

const YEAR_MS = 365 * 86_400_000

/**
 * Why the API must refuse a generated value, or undefined: a lone surrogate (JSON.stringify writes one as a `\\udXXX`
 * escape, a valid pair as the characters), or a timestamp of the record before 1970 or over a year from now.
 */
const refusal = (wire: string, value: unknown): string | undefined => {
  if (/\\ud[89a-f][0-9a-f]{2}/i.test(wire)) return "a lone surrogate"
  const e = value as Partial<Episode>
  const times = [
    e.start_time,
    e.end_time,
    ...(e.steps ?? []).map((s) => s.timestamp),
    ...(e.checkpoints ?? []).map((c) => c.created_at)
  ]
  const now = Date.now()
  const out = times.find((t) => t !== undefined && (Date.parse(t) < 0 || Date.parse(t) > now + YEAR_MS - 60_000))
  return out === undefined ? undefined : `timestamp ${out}`
}

/** An episode with every timestamp moved between 1970 and now (the generator ranges up to 9999). */
const timesInRange = (e: Episode): Episode => {
  const move = (t: string) => new Date(Date.parse(t) % Date.now()).toISOString()
  return {
    ...e,
    start_time: move(e.start_time),
    ...(e.end_time === undefined ? {} : { end_time: move(e.end_time) }),
    steps: e.steps.map((step) => ({ ...step, timestamp: move(step.timestamp) })),
    checkpoints: e.checkpoints.map((c) => ({ ...c, created_at: move(c.created_at) }))
  }
}

/** A value with every lone surrogate (the generator makes many) replaced by U+FFFD, in strings and keys. */
const wellFormed = <A>(value: A): A => {
  const repair = (s: string) => (s as unknown as { toWellFormed(): string }).toWellFormed()
  if (typeof value === "string") return repair(value) as A
  if (Array.isArray(value)) return value.map(wellFormed) as A
  if (typeof value !== "object" || value === null) return value
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [repair(k), wellFormed(v)])) as A
}

/**
 * Generated wire JSON posted, then read back: both answers must be the same bytes as what was sent, with the version
 * the server gave the record (any version sent is ignored), which the ETag carries too. A value outside the limits (lone surrogates and far timestamps are generated on purpose) must be refused with a 422 and not stored.
 * Half the runs first repair what is outside them, so both outcomes are counted.
 */
const throughApi = <A extends { readonly version?: number | undefined }, I>(
  schema: Schema.Schema<A, I>,
  plural: string,
  idOf: (a: A) => string,
  inRange: (a: A) => A = (a) => a
) => {
  const seen = { stored: 0, refused: 0 }
  const property = FastCheck.asyncProperty(Arbitrary.make(schema), FastCheck.boolean(), async (generated, move) => {
    const value = move ? wellFormed(inRange(generated)) : generated
    const wire = JSON.stringify(Schema.encodeSync(schema)(value))
    const created = await h.request("POST", `/${plural}`, wire)
    const read = () => h.request("GET", `/${plural}/${encodeURIComponent(idOf(value))}`)
    const refused = refusal(wire, value)
    if (refused !== undefined) {
      expect([refused, created.status]).toEqual([refused, 422])
      expect((await read()).text).not.toBe(wire)
      seen.refused++
      return
    }
    expect(created.status).toBe(200)
    const version = created.json.version
    expect(created.headers.get("etag")).toBe(`"${version}"`)
    const { version: _sent, ...rest } = value
    expect(created.text).toBe(JSON.stringify(Schema.encodeSync(schema)({ ...rest, version } as unknown as A)))
    const again = await read()
    expect(again.text).toBe(created.text)
    expect(again.headers.get("etag")).toBe(`"${version}"`)
    seen.stored++
  })
  return { property, seen }
}

describe("round trips through the API (property based)", () => {
  it("episodes", async () => {
    const { property, seen } = throughApi(Episode, "episodes", (e) => e.episode_id, timesInRange)
    await FastCheck.assert(property, { numRuns: 100 })
    expect(seen.stored).toBeGreaterThan(10)
    expect(seen.refused).toBeGreaterThan(10)
  })
  it("patterns of every variant", async () => {
    const { property, seen } = throughApi(Pattern, "patterns", (p) => p.pattern_id)
    await FastCheck.assert(property, { numRuns: 100 })
    expect(seen.stored).toBeGreaterThan(10)
    expect(seen.refused).toBeGreaterThan(10)
  })
  it("heuristics", async () => {
    const { property, seen } = throughApi(Heuristic, "heuristics", (x) => x.heuristic_id)
    await FastCheck.assert(property, { numRuns: 50 })
    expect(seen.stored).toBeGreaterThan(5)
  })
})
