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

/**
 * Generated wire JSON posted, then read back: both answers must be the same bytes as what was sent, with the version
 * the server gave the record (any version sent is ignored), which the ETag carries too.
 */
const throughApi = <A extends { readonly version?: number | undefined }, I>(
  schema: Schema.Schema<A, I>,
  plural: string,
  idOf: (a: A) => string
) =>
  FastCheck.asyncProperty(Arbitrary.make(schema), async (value) => {
    const wire = JSON.stringify(Schema.encodeSync(schema)(value))
    const created = await h.request("POST", `/${plural}`, wire)
    expect(created.status).toBe(200)
    const version = created.json.version
    expect(created.headers.get("etag")).toBe(`"${version}"`)
    const { version: _sent, ...rest } = value
    expect(created.text).toBe(JSON.stringify(Schema.encodeSync(schema)({ ...rest, version } as unknown as A)))
    const read = await h.request("GET", `/${plural}/${encodeURIComponent(idOf(value))}`)
    expect(read.text).toBe(created.text)
    expect(read.headers.get("etag")).toBe(`"${version}"`)
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
