import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { makeHarness } from "./support/harness.js"

/** The database written by release 0.0.0 (see its README), and the bodies that release served. */
const fixture = resolve(import.meta.dirname, "../../../packages/storage-core/test/fixtures/release-0.0.0")
const expected = JSON.parse(readFileSync(join(fixture, "expected.json"), "utf8")) as Record<
  "episodes" | "patterns" | "heuristics" | "embeddings",
  Record<string, unknown>
>
const dir = mkdtempSync(join(tmpdir(), "memory-turso-release-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe("a database written by release 0.0.0", () => {
  it("migrates on start and serves every record unchanged, in the default namespace, cached or not", async () => {
    copyFileSync(join(fixture, "memory.db"), join(dir, "memory.db"))
    const h = await makeHarness({ databaseUrl: `file:${join(dir, "memory.db")}`, env: { ENABLE_CACHE: "true" } })
    try {
      const routes: ReadonlyArray<[string, Record<string, unknown>]> = [
        ["episodes", expected.episodes],
        ["patterns", expected.patterns],
        ["heuristics", expected.heuristics],
        ["embeddings", expected.embeddings]
      ]
      let served = 0
      for (const [kind, records] of routes) {
        for (const [id, body] of Object.entries(records)) {
          // Twice: the first read loads (and caches), the second may be a cache hit.
          for (const _ of [1, 2]) {
            const response = await h.request("GET", `/${kind}/${id}`)
            expect(response.status, `${kind}/${id}`).toBe(200)
            expect(response.text).toBe(JSON.stringify({ ...(body as object), version: 1 }))
          }
          served++
        }
      }
      expect(served).toBe(20)
      // The same records are in the default namespace by name too, and nowhere else.
      const named = await h.request("GET", "/episodes/big-7", undefined, { "x-memory-namespace": "default" })
      expect(named.text).toBe(JSON.stringify({ ...(expected.episodes["big-7"] as object), version: 1 }))
      expect((await h.request("GET", "/episodes/big-7", undefined, { "x-memory-namespace": "other" })).status).toBe(404)
      const listed = await h.request("GET", "/episodes?limit=100")
      expect(listed.json.episodes).toHaveLength(Object.keys(expected.episodes).length)
      const counts = await h.request("GET", "/db-health")
      expect(counts.json.counts).toEqual({ episodes: 10, patterns: 4, heuristics: 2, embeddings: 4 })
    } finally {
      await h.dispose()
    }
  })
})
