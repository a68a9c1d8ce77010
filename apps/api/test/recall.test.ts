import { createHash } from "node:crypto"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { type Harness, makeHarness } from "./support/harness.js"

let h: Harness | undefined
afterEach(() => h?.dispose())

const scratch = mkdtempSync(join(tmpdir(), "recall-api-"))
const tomlFile = (name: string, text: string) => {
  const path = join(scratch, name)
  writeFileSync(path, text)
  return path
}

const seed = async (harness: Harness) => {
  await harness.request("POST", "/episodes/batch", [
    { episode_id: "deploy", task_description: "deploy the billing service", task_type: "debugging", tags: ["ops"] },
    { episode_id: "parser", task_description: "write a json parser", task_type: "code_generation" },
    { episode_id: "other", task_description: "unrelated chores" }
  ])
  await harness.request("POST", "/heuristics", {
    heuristic_id: "h",
    condition: "deploy fails",
    action: "roll back",
    confidence: 0.7
  })
  await harness.request("PUT", "/embeddings/episode/deploy", { model: "m", vector: [1, 0, 0] })
  await harness.request("PUT", "/embeddings/episode/parser", { model: "m", vector: [0, 1, 0] })
  await harness.request("PUT", "/embeddings/episode/other", { model: "m", vector: [0.7, 0.7, 0] })
}

describe("POST /recall", () => {
  it("text, vector and both: ranked items with their score breakdown and the plan", async () => {
    h = await makeHarness()
    await seed(h)
    const text = await h.request("POST", "/recall", { text: "deploy" })
    expect(text.status).toBe(200)
    expect(text.json.items.map((i: any) => `${i.item_type}/${i.item_id}`).sort()).toEqual([
      "episode/deploy",
      "heuristic/h"
    ])
    expect(text.json.items[0].score).toMatchObject({ text_rank: 1, fused: 1 / 61 })
    expect(text.json.plan).toEqual({ vector: "none", candidates: 0, index_queries: 0, text: true })

    const vector = await h.request("POST", "/recall", { vector: [0.1, 1, 0], k: 2, exact: true })
    expect(vector.json.items.map((i: any) => i.item_id)).toEqual(["parser", "other"])
    expect(vector.json.items[0].score.vector_similarity).toBeGreaterThan(0.99)
    expect(vector.json.plan.vector).toBe("exact")

    const both = await h.request("POST", "/recall", {
      text: "deploy",
      vector: [1, 0, 0],
      k: 3,
      kinds: ["episode"],
      filters: { task_type: "debugging", tags: ["ops"] }
    })
    expect(both.json.items).toEqual([
      {
        item_type: "episode",
        item_id: "deploy",
        score: {
          fused: 2 / 61,
          vector_rank: 1,
          vector_similarity: expect.closeTo(1, 5),
          text_rank: 1,
          bm25: expect.any(Number)
        }
      }
    ])
  })

  it("works in the request's namespace only", async () => {
    h = await makeHarness()
    await seed(h)
    const elsewhere = await h.request(
      "POST",
      "/recall",
      { text: "deploy", vector: [1, 0, 0] },
      { "x-memory-namespace": "team-b" }
    )
    expect(elsewhere.status).toBe(200)
    expect(elsewhere.json.items).toEqual([])
  })

  it("refuses bad bodies with stable codes", async () => {
    h = await makeHarness()
    const cases: ReadonlyArray<[unknown, number, string]> = [
      ["{not json", 400, "malformed_json"],
      [{}, 422, "validation_failed"],
      [{ text: "x", k: 0 }, 422, "validation_failed"],
      [{ text: "x", k: 101 }, 422, "validation_failed"],
      [{ text: "" }, 422, "validation_failed"],
      [{ text: "x", kinds: ["embedding"] }, 422, "validation_failed"],
      [{ vector: [0, 0] }, 422, "validation_failed"],
      [{ text: "x", filters: { since: "yesterday" } }, 422, "validation_failed"]
    ]
    for (const [body, status, code] of cases) {
      const response = await h.request("POST", "/recall", body)
      expect([JSON.stringify(body), response.status, response.json?.error?.code]).toEqual([
        JSON.stringify(body),
        status,
        code
      ])
    }
  })

  it("[recall] rrf_k and count_retrievals change the answer", async () => {
    h = await makeHarness({ file: tomlFile("recall.toml", "[recall]\nrrf_k = 10\ncount_retrievals = true\n") })
    await seed(h)
    const first = await h.request("POST", "/recall", { text: "parser" })
    expect(first.json.items).toEqual([
      {
        item_type: "episode",
        item_id: "parser",
        score: { fused: 1 / 11, text_rank: 1, bm25: expect.any(Number) },
        times_retrieved: 1
      }
    ])
    const second = await h.request("POST", "/recall", { text: "parser" })
    expect(second.json.items[0].times_retrieved).toBe(2)
    const uncounted = await h.request("POST", "/recall", { text: "parser", count_retrieved: false })
    expect(uncounted.json.items[0].times_retrieved).toBeUndefined()
  })

  it("a read-only token may recall but not ask to count retrievals", async () => {
    const sha256 = (secret: string) => createHash("sha256").update(secret).digest("hex")
    h = await makeHarness({
      configure: (c) => ({
        ...c,
        auth: {
          public_metrics: false,
          tokens: [
            { name: "reader", sha256: sha256("reader-secret-123"), scopes: ["read"], namespaces: ["default"] },
            { name: "agent", sha256: sha256("agent-secret-4567"), scopes: ["read", "write"], namespaces: ["default"] }
          ]
        }
      })
    })
    const as = (secret: string) => ({ authorization: `Bearer ${secret}` })
    await h.request("POST", "/episodes", { episode_id: "e", task_description: "alpha" }, as("agent-secret-4567"))
    const read = await h.request("POST", "/recall", { text: "alpha" }, as("reader-secret-123"))
    expect(read.json.items.map((i: any) => i.item_id)).toEqual(["e"])
    const counting = await h.request(
      "POST",
      "/recall",
      { text: "alpha", count_retrieved: true },
      as("reader-secret-123")
    )
    expect([counting.status, counting.json.error.code]).toEqual([403, "forbidden"])
    const counted = await h.request(
      "POST",
      "/recall",
      { text: "alpha", count_retrieved: true },
      as("agent-secret-4567")
    )
    expect(counted.json.items[0].times_retrieved).toBe(1)
  })

  it("[recall] refuses bad values with the key's message", async () => {
    const bad: ReadonlyArray<[string, string]> = [
      ['metric = "dot"', 'metric "dot" is not one of cosine, l2'],
      ["max_neighbors = 2", "max_neighbors 2 is not an integer in 4..256"],
      ['compress_neighbors = "float4"', "compress_neighbors"],
      ["rrf_k = 0", "rrf_k 0 is not an integer in 1..100000"]
    ]
    for (const [keys, message] of bad) {
      await expect(makeHarness({ file: tomlFile("bad.toml", `[recall]\n${keys}\n`) })).rejects.toThrow(message)
    }
  })
})
