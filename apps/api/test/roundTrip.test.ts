import { Episode, Heuristic, Pattern } from "@memory-turso/model"
import * as Arbitrary from "effect/Arbitrary"
import * as FastCheck from "effect/FastCheck"
import * as Schema from "effect/Schema"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type Harness, makeHarness } from "./harness.js"

let h: Harness
beforeAll(async () => {
  h = await makeHarness()
})
afterAll(() => h.dispose())

/** Generated wire JSON posted, then read back: both answers must be the same bytes as what was sent. */
const throughApi = <A, I>(schema: Schema.Schema<A, I>, plural: string, idOf: (a: A) => string) =>
  FastCheck.asyncProperty(Arbitrary.make(schema), async (value) => {
    const wire = JSON.stringify(Schema.encodeSync(schema)(value))
    const created = await h.request("POST", `/${plural}`, wire)
    expect(created.status).toBe(200)
    expect(created.text).toBe(wire)
    const read = await h.request("GET", `/${plural}/${encodeURIComponent(idOf(value))}`)
    expect(read.text).toBe(wire)
  })

describe("round trips through the API (property based)", () => {
  it("episodes", async () => {
    await FastCheck.assert(
      throughApi(Episode, "episodes", (e) => e.episode_id),
      { numRuns: 100 }
    )
  })
  it("patterns of every variant", async () => {
    await FastCheck.assert(
      throughApi(Pattern, "patterns", (p) => p.pattern_id),
      { numRuns: 100 }
    )
  })
  it("heuristics", async () => {
    await FastCheck.assert(
      throughApi(Heuristic, "heuristics", (x) => x.heuristic_id),
      { numRuns: 50 }
    )
  })
})
