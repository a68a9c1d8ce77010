import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type Harness, makeHarness } from "./support/harness.js"

let h: Harness
let baseline: Awaited<ReturnType<Harness["counts"]>>
beforeAll(async () => {
  h = await makeHarness({ maxBodyBytes: 64 * 1024 })
  await h.request("POST", "/episodes/batch", [
    { episode_id: "keep-1", task_description: "kept", tags: ["t"] },
    { episode_id: "keep-2", task_description: "kept too" }
  ])
  await h.request("POST", "/patterns", { type: "tool_sequence", pattern_id: "keep-p", tools: ["x"] })
  await h.request("POST", "/heuristics", { heuristic_id: "keep-h", condition: "c", action: "a", confidence: 0.5 })
  await h.request("PUT", "/embeddings/episode/keep-1", { model: "m", vector: [1, 2] })
  baseline = await h.counts()
})
afterAll(() => h.dispose())

const big = JSON.stringify({ task_description: "x".repeat(70 * 1024) })

/** [method, path, body, status, code] */
const cases: ReadonlyArray<readonly [string, string, unknown, number, string]> = [
  ["POST", "/episodes", "{not json", 400, "malformed_json"],
  ["POST", "/episodes", "", 400, "malformed_json"],
  ["POST", "/episodes", {}, 422, "validation_failed"],
  ["POST", "/episodes", { task_description: "" }, 422, "validation_failed"],
  ["POST", "/episodes", { task_description: "x", episode_id: "bad id" }, 422, "validation_failed"],
  ["POST", "/episodes", { task_description: "x", task_type: "dancing" }, 422, "validation_failed"],
  ["POST", "/episodes", { task_description: "x", start_time: "yesterday" }, 422, "validation_failed"],
  ["POST", "/episodes", { task_description: "x", steps: [{ step_number: 1 }] }, 422, "validation_failed"],
  ["POST", "/episodes", { task_description: "x", unknown_field: 1 }, 422, "validation_failed"],
  ["POST", "/episodes", [1, 2], 422, "validation_failed"],
  ["POST", "/episodes", big, 413, "payload_too_large"],
  ["POST", "/episodes/batch", { wrong: [] }, 422, "validation_failed"],
  [
    "POST",
    "/episodes/batch",
    { episodes: [{ episode_id: "keep-1", task_description: "x" }, {}] },
    422,
    "validation_failed"
  ],
  ["POST", "/episodes/batch", "[", 400, "malformed_json"],
  ["POST", "/episodes/batch/get", { ids: "keep-1" }, 422, "validation_failed"],
  ["GET", "/episodes/bad%20id", undefined, 422, "validation_failed"],
  ["GET", "/episodes/unknown", undefined, 404, "not_found"],
  ["GET", "/episodes?limit=0", undefined, 422, "validation_failed"],
  ["GET", "/episodes?limit=abc", undefined, 422, "validation_failed"],
  ["GET", "/episodes?limit=5000", undefined, 422, "validation_failed"],
  ["GET", "/episodes?task_type=dancing", undefined, 422, "validation_failed"],
  ["GET", "/episodes?from=never", undefined, 422, "validation_failed"],
  ["GET", "/episodes?completed=maybe", undefined, 422, "validation_failed"],
  ["GET", "/episodes?colour=red", undefined, 422, "validation_failed"],
  ["GET", "/episodes?cursor=garbage", undefined, 422, "invalid_cursor"],
  ["DELETE", "/episodes/unknown", undefined, 404, "not_found"],
  ["PUT", "/episodes", undefined, 405, "method_not_allowed"],
  ["PATCH", "/episodes/keep-1", undefined, 405, "method_not_allowed"],
  ["POST", "/patterns", { type: "tool_sequence", tools: [] }, 422, "validation_failed"],
  ["POST", "/patterns", { type: "no_such_variant" }, 422, "validation_failed"],
  [
    "POST",
    "/patterns",
    { type: "decision_point", condition: "c", action: "a", success_rate: 2 },
    422,
    "validation_failed"
  ],
  ["POST", "/patterns/batch", { patterns: [{ type: "error_recovery" }] }, 422, "validation_failed"],
  ["GET", "/patterns?type=other", undefined, 422, "validation_failed"],
  ["GET", "/patterns/nope", undefined, 404, "not_found"],
  ["DELETE", "/patterns/nope", undefined, 404, "not_found"],
  ["POST", "/heuristics", { condition: "c", action: "a", confidence: 1.5 }, 422, "validation_failed"],
  ["POST", "/heuristics", "nope", 400, "malformed_json"],
  ["GET", "/heuristics/nope", undefined, 404, "not_found"],
  ["PUT", "/embeddings/episode/keep-1", { model: "m", vector: [] }, 422, "validation_failed"],
  ["PUT", "/embeddings/episode/keep-1", { model: "m", vector: [0, 0] }, 422, "validation_failed"],
  ["PUT", "/embeddings/episode/keep-1", { model: "m", vector: ["a"] }, 422, "validation_failed"],
  ["PUT", "/embeddings/thing/keep-1", { model: "m", vector: [1] }, 422, "validation_failed"],
  ["PUT", "/embeddings/episode/ghost", { model: "m", vector: [1] }, 404, "not_found"],
  ["GET", "/embeddings/pattern/ghost", undefined, 404, "not_found"],
  ["POST", "/embeddings/search", { vector: [1], k: 0 }, 422, "validation_failed"],
  ["POST", "/embeddings/search", { k: 3 }, 422, "validation_failed"],
  ["GET", "/embeddings/search", undefined, 405, "method_not_allowed"],
  ["GET", "/no/such/route", undefined, 404, "route_not_found"],
  ["DELETE", "/health", undefined, 405, "method_not_allowed"]
]

describe("bad input over HTTP", () => {
  it.each(cases)("%s %s -> %i %s; nothing changes", async (method, path, body, status, code) => {
    const response = await h.request(method, path, body)
    expect(response.status).toBe(status)
    expect(response.json.error.code).toBe(code)
    expect(typeof response.json.error.message).toBe("string")
    expect(response.headers.get("x-request-id")).toBeTruthy()
    expect(response.text).not.toMatch(/\n\s+at /)
    expect(await h.counts()).toEqual(baseline)
    expect((await h.request("GET", "/health")).status).toBe(200)
    expect((await h.request("GET", "/episodes/keep-1")).json.task_description).toBe("kept")
  })

  it("a 422 names the field path and does not echo the input", async () => {
    const secret = "SECRET-VALUE-".repeat(20)
    const response = await h.request("POST", "/episodes", { task_description: "x", start_time: secret })
    expect(response.json.error.issues).toEqual([{ path: "start_time", message: "expected an RFC 3339 timestamp" }])
    expect(response.text).not.toContain("SECRET-VALUE")
    const typed = await h.request("POST", "/episodes", { task_description: { nested: secret } })
    expect(typed.json.error.issues[0].path).toBe("task_description")
    expect(typed.text).not.toContain("SECRET-VALUE")
  })
})
