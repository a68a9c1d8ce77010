import { describe, expect, it } from "@effect/vitest"
import type { PatternInput } from "@memory-turso/model"
import { createClient, type DocumentClient, type Exchange, type MemoryClient } from "../src/index.js"
import { apiError, useApi } from "./support/api.js"

// The real API (from its sources) on an embedded database of its own.
const api = useApi()

let namespaces = 0
/** A client in a namespace of its own, so each test sees only its own records. */
const fresh = (): MemoryClient => createClient({ url: api().url }).namespace(`records-${++namespaces}`)

/** What every kind's list takes. */
type PageQuery = { readonly limit?: number; readonly cursor?: string }

/** Tests every route of one kind of record. */
const describeRecords = <A, I>(
  plural: "episodes" | "patterns" | "heuristics",
  of: (client: MemoryClient) => DocumentClient<A, I, PageQuery>,
  make: (id: string) => NoInfer<I>,
  idOf: (record: A) => string,
  invalid: { readonly input: NoInfer<I>; readonly path: string }
) =>
  describe(plural, () => {
    it("put answers the record as stored; get reads it back; delete removes it (then not_found)", async () => {
      const records = of(fresh())
      const stored = await records.put(make("r1"))
      expect(idOf(stored)).toBe("r1")
      expect(await records.get("r1")).toEqual(stored)
      await records.delete("r1")
      const gone = await apiError(records.get("r1"))
      expect({ status: gone.status, code: gone.code }).toEqual({ status: 404, code: "not_found" })
      expect(gone.requestId).toMatch(/\S/)
      expect((await apiError(records.delete("r1"))).code).toBe("not_found")
    })

    it("putMany stores all in order; getMany answers those found in the order asked and the ids missing", async () => {
      const records = of(fresh())
      expect(await records.putMany(["a", "b", "c"].map(make))).toEqual({ stored: 3, ids: ["a", "b", "c"] })
      const found = await records.getMany(["c", "nope", "a"])
      expect(found.items.map(idOf)).toEqual(["c", "a"])
      expect(found.missing).toEqual(["nope"])
    })

    it("list pages through every record with limit and cursor, and ends with next_cursor null", async () => {
      const records = of(fresh())
      const ids = Array.from({ length: 5 }, (_, i) => `p${i}`)
      await records.putMany(ids.map(make))
      const seen: Array<string> = []
      let cursor: string | null | undefined
      let pages = 0
      do {
        const page = await records.list(cursor ? { limit: 2, cursor } : { limit: 2 })
        seen.push(...page.items.map(idOf))
        cursor = page.next_cursor
        pages++
      } while (cursor !== null)
      expect(pages).toBe(3)
      expect([...seen].sort()).toEqual(ids)
    })

    it("an invalid record is a 422 validation_failed naming the field", async () => {
      const error = await apiError(of(fresh()).put(invalid.input))
      expect({ status: error.status, code: error.code }).toEqual({ status: 422, code: "validation_failed" })
      expect(error.issues.map((i) => i.path)).toContain(invalid.path)
    })
  })

describeRecords(
  "episodes",
  (c) => c.episodes,
  (id) => ({ episode_id: id, task_description: `task ${id}` }),
  (e) => e.episode_id,
  { input: { task_description: "" }, path: "task_description" }
)
describeRecords(
  "patterns",
  (c) => c.patterns,
  (id): PatternInput => ({ type: "tool_sequence", pattern_id: id, tools: ["grep", "edit_file"] }),
  (p) => p.pattern_id,
  { input: { type: "tool_sequence", tools: ["a"], success_rate: 2 }, path: "success_rate" }
)
describeRecords(
  "heuristics",
  (c) => c.heuristics,
  (id) => ({ heuristic_id: id, condition: "a flaky test", action: "rerun it once", confidence: 0.5 }),
  (h) => h.heuristic_id,
  { input: { condition: "x", action: "y", confidence: 1.5 }, path: "confidence" }
)

describe("record details", () => {
  it("decoding fills the model's defaults; a put without an id gets a generated one", async () => {
    const client = fresh()
    const episode = await client.episodes.put({ task_description: "no id" })
    expect(episode).toMatchObject({ task_type: "other", steps: [], tags: [], context: { domain: "general" } })
    expect(episode.episode_id).toMatch(/^[0-9a-f-]{36}$/)
    const pattern = await client.patterns.put({ type: "decision_point", condition: "c", action: "a" })
    expect(pattern).toMatchObject({ type: "decision_point", success_rate: 0, outcome_stats: { total_count: 0 } })
  })

  it("episode filters reach the API as it reads them: tags (repeated), metadata pairs, completed, task type", async () => {
    const { episodes } = fresh()
    await episodes.putMany([
      { episode_id: "both", task_description: "t", tags: ["a", "b"], metadata: { team: "x:y" } },
      { episode_id: "a-only", task_description: "t", tags: ["a"], task_type: "debugging" },
      {
        episode_id: "done",
        task_description: "t",
        end_time: "2026-01-01T00:00:00Z",
        outcome: { type: "success", verdict: "ok" }
      }
    ])
    const ids = async (query: Parameters<typeof episodes.list>[0]) =>
      (await episodes.list(query)).items.map((e) => e.episode_id).sort()
    expect(await ids({ tags: ["a", "b"] })).toEqual(["both"])
    expect(await ids({ tags: ["a", "b"], tags_mode: "any" })).toEqual(["a-only", "both"])
    expect(await ids({ metadata: { team: "x:y" } })).toEqual(["both"])
    expect(await ids({ completed: true })).toEqual(["done"])
    expect(await ids({ task_type: "debugging" })).toEqual(["a-only"])
    expect((await apiError(episodes.list({ cursor: "not-a-cursor" }))).code).toBe("invalid_cursor")
  })

  it("patterns list by type", async () => {
    const { patterns } = fresh()
    await patterns.putMany([
      { type: "tool_sequence", pattern_id: "t", tools: ["a"] },
      { type: "error_recovery", pattern_id: "e", error_type: "ETIMEDOUT" }
    ])
    expect((await patterns.list({ type: "error_recovery" })).items.map((p) => p.pattern_id)).toEqual(["e"])
  })

  it("an id no URL can carry is refused before anything is sent", async () => {
    const seen: Array<Exchange> = []
    const client = createClient({ url: api().url, onResponse: (e) => seen.push(e) })
    await expect(client.episodes.get("..")).rejects.toThrow(TypeError)
    await expect(client.embeddings.get("episode", "a/b")).rejects.toThrow(TypeError)
    expect(seen).toEqual([])
  })
})

describe("recall", () => {
  it("answers items by text and vector with their scores, decoded", async () => {
    const client = fresh()
    await client.episodes.putMany([
      { episode_id: "e1", task_description: "migrate the database schema" },
      { episode_id: "e2", task_description: "paint the fence" }
    ])
    await client.embeddings.put("episode", "e2", { model: "m", vector: [0, 1] })
    const result = await client.recall({ text: "schema migration", vector: [0, 1], k: 5 })
    expect(result.items.map((i) => i.item_id).sort()).toEqual(["e1", "e2"])
    expect(result.items.find((i) => i.item_id === "e1")?.score.text_rank).toBe(1)
    expect(result.items.find((i) => i.item_id === "e2")?.score.vector_rank).toBe(1)
    expect(result.plan.text).toBe(true)
    expect((await apiError(client.recall({ k: 3 }))).code).toBe("validation_failed")
  })
})

describe("embeddings", () => {
  it("put, get, search and delete an item's embedding; an absent item is not_found", async () => {
    const client = fresh()
    await client.episodes.put({ episode_id: "e1", task_description: "t" })
    await client.patterns.put({ type: "tool_sequence", pattern_id: "p1", tools: ["a"] })
    const stored = await client.embeddings.put("episode", "e1", { model: "m", vector: [1, 0, 0] })
    expect(stored).toEqual({ item_type: "episode", item_id: "e1", model: "m", vector: [1, 0, 0], version: 1 })
    await client.embeddings.put("pattern", "p1", { model: "m", vector: [0, 1, 0] })
    expect(await client.embeddings.get("episode", "e1")).toEqual(stored)
    const matches = await client.embeddings.search({ vector: [1, 0.1, 0], k: 2 })
    expect(matches.map((m) => m.item_id)).toEqual(["e1", "p1"])
    expect(matches[0]!.similarity).toBeGreaterThan(0.99)
    expect(await client.embeddings.search({ vector: [1, 0.1, 0], item_type: "pattern" })).toHaveLength(1)
    await client.embeddings.delete("episode", "e1")
    expect((await apiError(client.embeddings.get("episode", "e1"))).code).toBe("not_found")
    expect((await apiError(client.embeddings.put("episode", "absent", { model: "m", vector: [1] }))).status).toBe(404)
  })
})

describe("operations", () => {
  it("health, dbHealth (the namespace's counts), live, ready, openApi", async () => {
    const client = fresh()
    await client.heuristics.put({ condition: "c", action: "a", confidence: 1 })
    expect(await client.health()).toMatchObject({ status: "healthy", features: { batch_operations: true } })
    expect(await client.dbHealth()).toMatchObject({
      status: "healthy",
      database: "embedded",
      counts: { episodes: 0, patterns: 0, heuristics: 1, embeddings: 0 }
    })
    expect(await client.live()).toEqual({ status: "alive" })
    expect(await client.ready()).toEqual({ status: "ready" })
    const document = await client.openApi()
    expect(document.openapi).toBe("3.1.0")
    expect(Object.keys(document["paths"] as object)).toContain("/episodes/{id}")
  })

  it("metrics decodes with the model's Metrics (also partially); metricsText is Prometheus text", async () => {
    const client = fresh()
    await client.live()
    const metrics = await client.metrics()
    expect(metrics.requests["GET /livez"]?.count).toBeGreaterThanOrEqual(1)
    expect(metrics.process.uptime_s).toBeGreaterThan(0)
    // the partial decode keeps the same section (its feed figures move between two reads: compare its keys)
    const partial = (await client.metrics({ allowMissingSections: true })).cache
    expect(Object.keys(partial ?? {}).sort()).toEqual(Object.keys(metrics.cache).sort())
    expect(partial?.enabled).toBe(true)
    expect(await client.metricsText()).toMatch(/^# (HELP|TYPE) memory_turso_/m)
  })

  it("onResponse sees each exchange once: method, route, path, status, attempt and the request id sent", async () => {
    const seen: Array<Exchange> = []
    const client = createClient({ url: api().url, onResponse: (e) => seen.push(e) }).namespace("observed")
    await client.episodes.put({ episode_id: "o:1", task_description: "t" })
    await apiError(client.episodes.get("missing", { requestId: "client-test-1" }))
    expect(seen.map(({ durationMs, requestId, ...rest }) => rest)).toEqual([
      { method: "POST", route: "POST /episodes", path: "/episodes", status: 200, attempt: 1 },
      { method: "GET", route: "GET /episodes/:id", path: "/episodes/missing", status: 404, attempt: 1 }
    ])
    expect(seen[1]!.requestId).toBe("client-test-1")
    expect(seen.every((e) => e.durationMs >= 0)).toBe(true)
  })
})
