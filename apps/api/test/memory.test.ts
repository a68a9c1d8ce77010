import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { type Harness, makeHarness } from "./support/harness.js"

let h: Harness
beforeEach(async () => {
  h = await makeHarness()
})
afterEach(() => h.dispose())

const ep = (id: string, extra: Record<string, unknown> = {}) => ({
  episode_id: id,
  task_description: `task ${id}`,
  ...extra
})

describe("episodes over HTTP", () => {
  it("create returns the stored episode with defaults; get, list and delete follow", async () => {
    const created = await h.request("POST", "/episodes", { task_description: "write a parser", tags: ["p"] })
    expect(created.status).toBe(200)
    const id = created.json.episode_id as string
    expect(created.json).toMatchObject({ task_type: "other", steps: [], tags: ["p"], context: { domain: "general" } })
    const got = await h.request("GET", `/episodes/${id}`)
    expect(got.status).toBe(200)
    expect(got.text).toBe(created.text)
    const listed = await h.request("GET", "/episodes?tag=p&limit=10")
    expect(listed.json.episodes.map((e: any) => e.episode_id)).toEqual([id])
    expect(listed.json.next_cursor).toBeNull()
    expect((await h.request("DELETE", `/episodes/${id}`)).status).toBe(204)
    const gone = await h.request("GET", `/episodes/${id}`)
    expect(gone.status).toBe(404)
    expect(gone.json.error.code).toBe("not_found")
  })

  it("query parameters filter and paginate", async () => {
    await h.request("POST", "/episodes/batch", [
      ep("a", {
        task_type: "debugging",
        start_time: "2024-01-01T00:00:00Z",
        tags: ["x", "y"],
        metadata: { team: "core" }
      }),
      ep("b", { task_type: "testing", start_time: "2024-02-01T00:00:00Z", tags: ["x"], context: { language: "go" } }),
      ep("c", {
        start_time: "2024-03-01T00:00:00Z",
        end_time: "2024-03-01T01:00:00Z",
        outcome: { type: "failure", reason: "timeout" }
      })
    ])
    const ids = async (query: string) =>
      (await h.request("GET", `/episodes?${query}`)).json.episodes.map((e: any) => e.episode_id)
    expect(await ids("")).toEqual(["c", "b", "a"])
    expect(await ids("task_type=debugging")).toEqual(["a"])
    expect(await ids("tag=x&tag=y")).toEqual(["a"])
    expect(await ids("tags=x,y&tags_mode=any")).toEqual(["b", "a"])
    expect(await ids("language=go")).toEqual(["b"])
    expect(await ids("metadata=team:core")).toEqual(["a"])
    expect(await ids("completed=true")).toEqual(["c"])
    expect(await ids("from=2024-01-15T00:00:00Z&to=2024-02-15T00:00:00Z")).toEqual(["b"])
    const first = await h.request("GET", "/episodes?limit=2")
    expect(first.json.episodes).toHaveLength(2)
    const second = await h.request("GET", `/episodes?limit=2&cursor=${first.json.next_cursor}`)
    expect(second.json.episodes.map((e: any) => e.episode_id)).toEqual(["a"])
    expect(second.json.next_cursor).toBeNull()
  })

  it("batch upsert takes an envelope or a bare array, in one database batch; batch get reports missing ids", async () => {
    const before = await h.dbStats()
    const stored = await h.request("POST", "/episodes/batch", { episodes: [ep("a"), ep("b"), ep("c")] })
    const after = await h.dbStats()
    expect(stored.json).toEqual({ stored: 3, ids: ["a", "b", "c"] })
    expect(after.batches - before.batches).toBe(1)
    expect(after.executes - before.executes).toBe(0)
    const bare = await h.request("POST", "/episodes/batch", [ep("d")])
    expect(bare.json.stored).toBe(1)
    const got = await h.request("POST", "/episodes/batch/get", { ids: ["c", "zz", "a"] })
    expect(got.json.episodes.map((e: any) => e.episode_id)).toEqual(["c", "a"])
    expect(got.json.missing).toEqual(["zz"])
  })

  it("a batch with one invalid episode stores none and names the index", async () => {
    const response = await h.request("POST", "/episodes/batch", { episodes: [ep("a"), { episode_id: "b" }, ep("c")] })
    expect(response.status).toBe(422)
    expect(response.json.error.issues).toEqual([{ path: "episodes.1.task_description", message: "is missing" }])
    expect((await h.counts()).episodes).toBe(0)
  })

  it("a batch of 1000 is accepted, 1001 is refused whole", async () => {
    const many = (n: number) => Array.from({ length: n }, (_, i) => ep(`e${i}`))
    const refused = await h.request("POST", "/episodes/batch", many(1001))
    expect(refused.status).toBe(422)
    expect((await h.counts()).episodes).toBe(0)
    const accepted = await h.request("POST", "/episodes/batch", many(1000))
    expect(accepted.json.stored).toBe(1000)
    expect((await h.counts()).episodes).toBe(1000)
  })
})

describe("patterns, heuristics and embeddings over HTTP", () => {
  it("patterns keep their variant; list filters by type", async () => {
    await h.request("POST", "/patterns", {
      type: "error_recovery",
      pattern_id: "r",
      error_type: "E",
      recovery_steps: ["a"]
    })
    await h.request("POST", "/patterns", { type: "tool_sequence", pattern_id: "s", tools: ["x"] })
    const got = await h.request("GET", "/patterns/r")
    expect(got.json).toMatchObject({ type: "error_recovery", error_type: "E", recovery_steps: ["a"] })
    const list = await h.request("GET", "/patterns?type=tool_sequence")
    expect(list.json.patterns.map((p: any) => p.pattern_id)).toEqual(["s"])
    const batch = await h.request("POST", "/patterns/batch", {
      patterns: [{ type: "decision_point", pattern_id: "d", condition: "c", action: "a" }]
    })
    expect(batch.json).toEqual({ stored: 1, ids: ["d"] })
  })

  it("heuristics round-trip", async () => {
    const created = await h.request("POST", "/heuristics", { condition: "c", action: "a", confidence: 0.7 })
    const got = await h.request("GET", `/heuristics/${created.json.heuristic_id}`)
    expect(got.text).toBe(created.text)
    expect((await h.request("GET", "/heuristics")).json.heuristics).toHaveLength(1)
  })

  it("embeddings: put needs the item, search ranks by cosine", async () => {
    const missing = await h.request("PUT", "/embeddings/episode/a", { model: "m", vector: [1, 0] })
    expect(missing.status).toBe(404)
    await h.request("POST", "/episodes/batch", [ep("a"), ep("b")])
    await h.request("PUT", "/embeddings/episode/a", { model: "m", vector: [1, 0] })
    await h.request("PUT", "/embeddings/episode/b", { model: "m", vector: [0, 1] })
    const got = await h.request("GET", "/embeddings/episode/a")
    expect(got.json).toEqual({ item_type: "episode", item_id: "a", model: "m", vector: [1, 0], version: 1 })
    const search = await h.request("POST", "/embeddings/search", { vector: [0.9, 0.1], k: 1 })
    expect(search.json.matches.map((m: any) => m.item_id)).toEqual(["a"])
    expect((await h.request("DELETE", "/embeddings/episode/a")).status).toBe(204)
    expect((await h.request("DELETE", "/embeddings/episode/a")).status).toBe(404)
  })
})
