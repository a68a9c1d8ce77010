import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { DEFAULT_LIMITS } from "../src/config/LimitsSection.js"
import { type Harness, makeHarness } from "./support/harness.js"

// Nesting, timestamps, Unicode, query filters and vectors at their limits, and a configured limit moving a boundary.

const L = DEFAULT_LIMITS
const DAY = 86_400_000
let h: Harness
beforeAll(async () => {
  h = await makeHarness()
})
afterAll(() => h.dispose())

type Answer = Awaited<ReturnType<Harness["request"]>>

const expectLimit = (response: Answer, key: string, path: string) => {
  expect(response.status, response.text).toBe(422)
  expect(response.json.error.code).toBe("limit_exceeded")
  expect(response.json.error.message).toContain(`limits.${key}`)
  expect(response.json.error.issues.map((i: { path: string }) => i.path)).toContain(path)
}

/** A step whose parameters nest `levels` objects deep (`{"a":{"a":...{}}}`). */
const nested = (levels: number) => `${'{"a":'.repeat(levels - 1)}{}${"}".repeat(levels - 1)}`
/** An episode whose body nests `depth` deep: the body, steps, the step, then parameters. */
const episodeOfDepth = (id: string, depth: number) =>
  `{"episode_id":"${id}","task_description":"x","steps":[{"step_number":1,"timestamp":"2025-01-01T00:00:00Z","tool":"t","action":"a","parameters":${nested(depth - 3)}}]}`

describe("nesting depth, checked on the raw text before parsing", () => {
  it(`a body nested max_json_depth (${L.max_json_depth}) deep is stored; one deeper is 422 naming the path`, async () => {
    const at = await h.request("POST", "/episodes", episodeOfDepth("depth-at", L.max_json_depth))
    expect(at.status, at.text).toBe(200)
    const over = await h.request("POST", "/episodes", episodeOfDepth("depth-over", L.max_json_depth + 1))
    expectLimit(over, "max_json_depth", `steps.0.parameters${".a".repeat(L.max_json_depth - 3)}`)
  })

  it("depth bombs of ~40 KB answer 422 limit_exceeded, never a stack overflow or a 500, on every body route", async () => {
    const bombs = ["[".repeat(40_000), '{"a":'.repeat(8_000), `[${"[".repeat(20_000)}1${"]".repeat(20_000)}]`]
    const routes: ReadonlyArray<readonly [string, string]> = [
      ["POST", "/episodes"],
      ["POST", "/episodes/batch"],
      ["POST", "/patterns/batch/get"],
      ["PUT", "/embeddings/episode/depth-at"],
      ["POST", "/embeddings/search"]
    ]
    for (const [method, route] of routes) {
      for (const bomb of bombs) {
        // The path of the first container past the limit: max_json_depth keys or indexes.
        const path = new Array(L.max_json_depth).fill(bomb.startsWith("{") ? "a" : "0").join(".")
        expectLimit(await h.request(method, route, bomb), "max_json_depth", path)
      }
    }
    expect((await h.request("GET", "/episodes/depth-at")).status).toBe(200)
  })
})

describe("timestamps between 1970 and max_future_days from now", () => {
  const at = (id: string, start_time: string) =>
    h.request("POST", "/episodes", { episode_id: id, task_description: "x", start_time })
  it("1970-01-01 and now + 364 days are stored; before 1970 or past a year from now is 422", async () => {
    expect((await at("t-1970", "1970-01-01T00:00:00Z")).status).toBe(200)
    expect((await at("t-soon", new Date(Date.now() + (L.max_future_days - 1) * DAY).toISOString())).status).toBe(200)
    expectLimit(await at("t-1969", "1969-12-31T23:59:59.999Z"), "max_future_days", "start_time")
    expectLimit(await at("t-offset", "1970-01-01T00:30:00+01:00"), "max_future_days", "start_time")
    expectLimit(await at("t-year0", "0000-01-01T00:00:00Z"), "max_future_days", "start_time")
    const far = new Date(Date.now() + (L.max_future_days + 1) * DAY).toISOString()
    expectLimit(await at("t-far", far), "max_future_days", "start_time")
    expectLimit(await at("t-9999", "9999-12-31T23:59:59Z"), "max_future_days", "start_time")
  })

  it("every timestamp the record's Schema declares is checked, and only those", async () => {
    const far = "2999-01-01T00:00:00Z"
    const step = { step_number: 1, timestamp: far, tool: "t", action: "a" }
    expectLimit(
      await h.request("POST", "/episodes", { task_description: "x", steps: [step] }),
      "max_future_days",
      "steps.0.timestamp"
    )
    const checkpoint = { checkpoint_id: "c", created_at: far, reason: "r" }
    expectLimit(
      await h.request("POST", "/episodes", { task_description: "x", checkpoints: [checkpoint] }),
      "max_future_days",
      "checkpoints.0.created_at"
    )
    // A metadata value that looks like a timestamp is only text.
    const free = await h.request("POST", "/episodes", {
      episode_id: "t-free",
      task_description: "x",
      metadata: { start_time: far }
    })
    expect(free.status, free.text).toBe(200)
  })
})

describe("text must be well-formed Unicode", () => {
  it("a lone surrogate (a JSON escape) is refused with its path, not replaced; a valid pair is kept", async () => {
    for (const [body, path] of [
      ['{"task_description":"a\\ud800b"}', "task_description"],
      ['{"task_description":"x","tags":["\\udfff"]}', "tags.0"],
      ['{"task_description":"x","metadata":{"\\ud83e":"v"}}', "metadata.\ud83e"]
    ] as const) {
      const refused = await h.request("POST", "/episodes", body)
      expect(refused.status, body).toBe(422)
      expect(refused.json.error.code).toBe("validation_failed")
      expect(refused.json.error.issues[0].path).toBe(path)
      expect(refused.json.error.issues[0].message).toContain("well-formed Unicode")
    }
    const pair = await h.request("POST", "/episodes", '{"episode_id":"u-pair","task_description":"\\ud83e\\udde0"}')
    expect(pair.json.task_description).toBe("🧠")
  })

  it("a body that is not UTF-8 is 400 malformed_json", async () => {
    const bytes = new Uint8Array([...Buffer.from('{"task_description":"'), 0xff, 0xfe, ...Buffer.from('"}')])
    const response = await h.app.request("/episodes", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: bytes
    })
    expect(response.status).toBe(400)
    expect(((await response.json()) as any).error.message).toContain("UTF-8")
  })
})

describe("query filters and vectors", () => {
  it(`max_filters (${L.max_filters}) tag and metadata filters are answered; one more is 422, a thousand too`, async () => {
    const filters = (n: number) =>
      Array.from({ length: n }, (_, i) => (i % 2 === 0 ? `tag=t${i}` : `metadata=k${i}:v`)).join("&")
    expect((await h.request("GET", `/episodes?${filters(L.max_filters)}`)).status).toBe(200)
    expectLimit(await h.request("GET", `/episodes?${filters(L.max_filters + 1)}`), "max_filters", "query")
    const commas = `/episodes?tags=${Array.from({ length: L.max_filters + 1 }, (_, i) => `t${i}`).join(",")}`
    expectLimit(await h.request("GET", commas), "max_filters", "query")
    const thousand = Array.from({ length: 1000 }, (_, i) => `metadata=k${i}:v`).join("&")
    expectLimit(await h.request("GET", `/episodes?${thousand}`), "max_filters", "query")
  })

  it(`vectors of max_vector_dimensions (${L.max_vector_dimensions}) are stored and searched; one more is 422`, async () => {
    const vector = (n: number) => Array.from({ length: n }, (_, i) => (i % 7) + 1)
    await h.request("POST", "/episodes", { episode_id: "v", task_description: "x" })
    const put = (n: number) => h.request("PUT", "/embeddings/episode/v", { model: "m", vector: vector(n) })
    expect((await put(L.max_vector_dimensions)).status).toBe(200)
    expectLimit(await put(L.max_vector_dimensions + 1), "max_vector_dimensions", "vector")
    const search = (n: number) => h.request("POST", "/embeddings/search", { vector: vector(n), k: 1 })
    expect((await search(L.max_vector_dimensions)).json.matches).toHaveLength(1)
    expectLimit(await search(L.max_vector_dimensions + 1), "max_vector_dimensions", "vector")
    expectLimit(await search(65_536), "max_vector_dimensions", "vector")
  })
})

describe("a limit set in [limits] moves its boundary", () => {
  it("each key configured small: at the new limit accepted, one over refused", async () => {
    const dir = mkdtempSync(join(tmpdir(), "limits-"))
    const file = join(dir, "small.toml")
    writeFileSync(
      file,
      `[limits]\nmax_body_bytes = 4000\nmax_record_bytes = 3000\nmax_text_bytes = 100\nmax_list_items = 5\n` +
        `max_tags = 2\nmax_metadata_keys = 2\nmax_json_depth = 5\nmax_batch_items = 3\nmax_filters = 2\n` +
        `max_vector_dimensions = 3\nmax_future_days = 1\n`
    )
    const s = await makeHarness({ file })
    try {
      const ok = async (method: string, path: string, body?: unknown) => {
        const response = await s.request(method, path, body)
        expect(response.status, `${method} ${path} ${response.text}`).toBeLessThan(300)
      }
      const ep = (extra: Record<string, unknown>) => ({ task_description: "x", ...extra })
      await ok(
        "POST",
        "/episodes",
        ep({
          episode_id: "e",
          task_description: "a".repeat(100),
          tags: ["a", "b"],
          patterns: ["1", "2", "3", "4", "5"],
          metadata: { a: "", b: "" }
        })
      )
      expectLimit(
        await s.request("POST", "/episodes", ep({ task_description: "a".repeat(101) })),
        "max_text_bytes",
        "task_description"
      )
      expectLimit(await s.request("POST", "/episodes", ep({ tags: ["a", "b", "c"] })), "max_tags", "tags")
      expectLimit(
        await s.request("POST", "/episodes", ep({ patterns: ["1", "2", "3", "4", "5", "6"] })),
        "max_list_items",
        "patterns"
      )
      expectLimit(
        await s.request("POST", "/episodes", ep({ metadata: { a: "", b: "", c: "" } })),
        "max_metadata_keys",
        "metadata"
      )
      const texts = Array.from({ length: 5 }, () => "r".repeat(100))
      const salient = { critical_decisions: texts, error_recovery_patterns: texts, key_insights: texts }
      const reflection = { insights: texts, successes: texts, improvements: texts }
      const big = [ep({ reflection, salient_features: salient })]
      expectLimit(await s.request("POST", "/episodes/batch", big), "max_record_bytes", "0")
      const body = await s.request("POST", "/episodes", `${JSON.stringify(ep({}))}${" ".repeat(4000)}`)
      expect([body.status, body.json.error.message]).toEqual([
        413,
        "the request body exceeds limits.max_body_bytes (4000 bytes)"
      ])
      await ok(
        "POST",
        "/episodes",
        `{"task_description":"x","steps":[{"step_number":1,"timestamp":"2025-01-01T00:00:00Z","tool":"t","action":"a","parameters":{"a":{}}}]}`
      )
      expectLimit(
        await s.request(
          "POST",
          "/episodes",
          `{"task_description":"x","steps":[{"step_number":1,"timestamp":"2025-01-01T00:00:00Z","tool":"t","action":"a","parameters":{"a":{"b":{}}}}]}`
        ),
        "max_json_depth",
        "steps.0.parameters.a.b"
      )
      await ok("POST", "/heuristics/batch/get", { ids: ["a", "b", "c"] })
      expectLimit(
        await s.request("POST", "/heuristics/batch/get", { ids: ["a", "b", "c", "d"] }),
        "max_batch_items",
        "ids"
      )
      await ok("GET", "/episodes?tag=a&metadata=b:c")
      expectLimit(await s.request("GET", "/episodes?tag=a&tag=b&metadata=b:c"), "max_filters", "query")
      await ok("PUT", "/embeddings/episode/e", { model: "m", vector: [1, 2, 3] })
      expectLimit(
        await s.request("PUT", "/embeddings/episode/e", { model: "m", vector: [1, 2, 3, 4] }),
        "max_vector_dimensions",
        "vector"
      )
      await ok("POST", "/episodes", ep({ start_time: new Date(Date.now() + DAY / 2).toISOString() }))
      expectLimit(
        await s.request("POST", "/episodes", ep({ start_time: new Date(Date.now() + 2 * DAY).toISOString() })),
        "max_future_days",
        "start_time"
      )
    } finally {
      await s.dispose()
    }
  })
})
