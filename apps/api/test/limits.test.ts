import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { DEFAULT_LIMITS } from "../src/config/LimitsSection.js"
import { COMPLETE_REPORT_VALUES } from "../src/http/body.js"
import { type Harness, makeHarness } from "./support/harness.js"

// Sizes, lists and text at their default limits: at the limit accepted, one over refused with the right code, the
// limit's key in the message and the field path in the issues; nothing stored by a refused request.

const L = DEFAULT_LIMITS
let h: Harness
beforeAll(async () => {
  h = await makeHarness()
})
afterAll(() => h.dispose())

/** Sends a body as is (a string) or as JSON. */
const post = (path: string, body: unknown) => h.request("POST", path, body)

/** Expects a 422 `limit_exceeded` whose message names `limits.<key>` and whose issues include `path`. */
const expectLimit = (response: Awaited<ReturnType<Harness["request"]>>, key: string, path: string) => {
  expect(response.status, response.text).toBe(422)
  expect(response.json.error.code).toBe("limit_exceeded")
  expect(response.json.error.message).toContain(`limits.${key}`)
  expect(response.json.error.issues.map((i: { path: string }) => i.path)).toContain(path)
}

/** An episode whose JSON (as `JSON.stringify` writes it) is exactly `bytes` long, each text under the text limit. */
const episodeOfBytes = (id: string, bytes: number) => {
  const episode = { episode_id: id, task_description: "x", reflection: { insights: [] as Array<string> } }
  const piece = L.max_text_bytes - 16
  while (JSON.stringify(episode).length + piece + 3 < bytes) episode.reflection.insights.push("i".repeat(piece))
  const rest = bytes - JSON.stringify(episode).length - (episode.reflection.insights.length > 0 ? 3 : 2)
  episode.reflection.insights.push("j".repeat(rest))
  expect(JSON.stringify(episode).length).toBe(bytes)
  return episode
}

describe("limits at their defaults", () => {
  it(`a body of max_body_bytes (${L.max_body_bytes}) is read; one byte more is 413 payload_too_large`, async () => {
    const json = JSON.stringify({ episode_id: "body-at", task_description: "x" })
    const at = await post("/episodes", json + " ".repeat(L.max_body_bytes - json.length))
    expect(at.status, at.text).toBe(200)
    const over = await post(
      "/episodes",
      json.replace("body-at", "body-over") + " ".repeat(L.max_body_bytes - json.length + 1)
    )
    expect(over.status).toBe(413)
    expect(over.json.error.code).toBe("payload_too_large")
    expect(over.json.error.message).toContain("limits.max_body_bytes")
    expect((await h.request("GET", "/episodes/body-over")).status).toBe(404)
  })

  it(`one record of max_record_bytes (${L.max_record_bytes}) is stored; one byte more is 422, alone or in a batch`, async () => {
    const at = await post("/episodes", episodeOfBytes("record-at", L.max_record_bytes))
    expect(at.status, at.text).toBe(200)
    expectLimit(
      await post("/episodes", episodeOfBytes("record-over", L.max_record_bytes + 1)),
      "max_record_bytes",
      "(body)"
    )
    const batch = [
      { episode_id: "small", task_description: "s" },
      episodeOfBytes("record-over", L.max_record_bytes + 1)
    ]
    expectLimit(await post("/episodes/batch", { episodes: batch }), "max_record_bytes", "episodes.1")
    expectLimit(await post("/episodes/batch", batch), "max_record_bytes", "1")
    expect((await h.request("GET", "/episodes/small")).status).toBe(404)
  })

  it(`a text of max_text_bytes (${L.max_text_bytes}) UTF-8 bytes is stored; one byte more is 422`, async () => {
    const ascii = await post("/episodes", { episode_id: "text-at", task_description: "a".repeat(L.max_text_bytes) })
    expect(ascii.status).toBe(200)
    // Bytes, not characters: "é" is two bytes in UTF-8.
    const accents = "é".repeat(L.max_text_bytes / 2)
    expect((await post("/episodes", { episode_id: "text-at-2", task_description: accents })).status).toBe(200)
    expectLimit(await post("/episodes", { task_description: `${accents}a` }), "max_text_bytes", "task_description")
    expectLimit(
      await post("/episodes", { task_description: "x", metadata: { k: "v".repeat(L.max_text_bytes + 1) } }),
      "max_text_bytes",
      "metadata.k"
    )
    const key = "k".repeat(L.max_text_bytes + 1)
    const byKey = await post("/episodes", { task_description: "x", steps: [step({ parameters: { [key]: 1 } })] })
    expectLimit(byKey, "max_text_bytes", `steps.0.parameters.${"k".repeat(64)}...`)
  })

  it(`any list of max_list_items (${L.max_list_items}) is stored; one more is 422 with its path`, async () => {
    const ids = (n: number) => Array.from({ length: n }, (_, i) => `p${i}`)
    expect(
      (await post("/episodes", { episode_id: "list-at", task_description: "x", patterns: ids(L.max_list_items) }))
        .status
    ).toBe(200)
    expectLimit(
      await post("/episodes", { task_description: "x", patterns: ids(L.max_list_items + 1) }),
      "max_list_items",
      "patterns"
    )
    // Free-form JSON too: a list, and an object's keys, inside a step's parameters.
    const list = new Array(L.max_list_items + 1).fill(0)
    expectLimit(
      await post("/episodes", { task_description: "x", steps: [step({ parameters: { list } })] }),
      "max_list_items",
      "steps.0.parameters.list"
    )
    const keys = Object.fromEntries(ids(L.max_list_items + 1).map((k) => [k, 0]))
    expectLimit(
      await post("/episodes", { task_description: "x", steps: [step({ parameters: keys })] }),
      "max_list_items",
      "steps.0.parameters"
    )
  })

  it(`max_tags (${L.max_tags}) tags are stored; one more is 422, on the record and on its context`, async () => {
    const tags = (n: number) => Array.from({ length: n }, (_, i) => `t${i}`)
    expect(
      (await post("/episodes", { episode_id: "tags-at", task_description: "x", tags: tags(L.max_tags) })).status
    ).toBe(200)
    expectLimit(await post("/episodes", { task_description: "x", tags: tags(L.max_tags + 1) }), "max_tags", "tags")
    expectLimit(
      await post("/episodes", { task_description: "x", context: { tags: tags(L.max_tags + 1) } }),
      "max_tags",
      "context.tags"
    )
    // A key named "tags" in free-form parameters is no tag list: only the list limit applies there.
    const free = await post("/episodes", {
      episode_id: "tags-free",
      task_description: "x",
      steps: [step({ parameters: { tags: tags(L.max_tags + 1) } })]
    })
    expect(free.status, free.text).toBe(200)
  })

  it(`max_metadata_keys (${L.max_metadata_keys}) metadata keys are stored; one more is 422`, async () => {
    const metadata = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, "v"]))
    expect(
      (
        await post("/episodes", {
          episode_id: "meta-at",
          task_description: "x",
          metadata: metadata(L.max_metadata_keys)
        })
      ).status
    ).toBe(200)
    expectLimit(
      await post("/episodes", { task_description: "x", metadata: metadata(L.max_metadata_keys + 1) }),
      "max_metadata_keys",
      "metadata"
    )
    expectLimit(
      await post("/episodes", {
        task_description: "x",
        steps: [step({ metadata: metadata(L.max_metadata_keys + 1) })]
      }),
      "max_metadata_keys",
      "steps.0.metadata"
    )
  })

  it(`max_batch_items (${L.max_batch_items}) records or ids per batch; one more is 422 before anything is decoded`, async () => {
    const many = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ heuristic_id: `h${i}`, condition: "c", action: "a", confidence: 0.5 }))
    expect((await post("/heuristics/batch", { heuristics: many(L.max_batch_items) })).json.stored).toBe(
      L.max_batch_items
    )
    expectLimit(
      await post("/heuristics/batch", { heuristics: many(L.max_batch_items + 1) }),
      "max_batch_items",
      "heuristics"
    )
    expectLimit(await post("/heuristics/batch", many(L.max_batch_items + 1)), "max_batch_items", "(body)")
    const ids = (n: number) => Array.from({ length: n }, (_, i) => `h${i}`)
    const read = await post("/heuristics/batch/get", { ids: ids(L.max_batch_items) })
    expect(read.json.heuristics).toHaveLength(L.max_batch_items)
    expectLimit(await post("/heuristics/batch/get", { ids: ids(L.max_batch_items + 1) }), "max_batch_items", "ids")
  })

  it(`an invalid body of over ${COMPLETE_REPORT_VALUES} values reports its first problem, a smaller one every problem`, async () => {
    const steps = (n: number) => Array.from({ length: n }, () => ({}))
    const large = await post("/episodes", { task_description: "x", steps: steps(L.max_list_items) })
    expect([large.status, large.json.error.code, large.json.error.issues]).toEqual([
      422,
      "validation_failed",
      [{ path: "steps.0.step_number", message: "is missing" }]
    ])
    const small = await post("/episodes", { task_description: "x", steps: steps(3) })
    expect(small.json.error.issues.length).toBe(12) // 3 steps, 4 required fields each
    const batch = await post(
      "/episodes/batch",
      Array.from({ length: 600 }, () => ({ task_description: "", tags: ["a", "b", "c"] }))
    )
    expect(batch.json.error.issues).toHaveLength(1)
  })

  it("nothing refused above was stored", async () => {
    const stored = await h.counts()
    // body-at, record-at, text-at, text-at-2, list-at, tags-at, tags-free, meta-at
    expect(stored.episodes).toBe(8)
    expect(stored.heuristics).toBe(L.max_batch_items)
  })
})

/** A valid step with `extra` fields. */
const step = (extra: Record<string, unknown>) => ({
  step_number: 1,
  timestamp: "2025-01-01T00:00:00Z",
  tool: "t",
  action: "a",
  ...extra
})
