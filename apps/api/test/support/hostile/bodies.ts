/** Hostile bodies: malformed, oversized, deeply nested, broken Unicode and out-of-range timestamps. */
import { episode, type HostileRequest, JSON_TYPE, json, post, range, step } from "./builders.js"

export const malformed: ReadonlyArray<HostileRequest> = [
  post("truncated object", "/episodes", '{"task_description": "x"', 400, "malformed_json"),
  post("not JSON at all", "/episodes", "{not json", 400, "malformed_json"),
  post("empty body typed as JSON", "/episodes", "", 400, "malformed_json"),
  post("trailing comma", "/episodes", '{"task_description":"x",}', 400, "malformed_json"),
  post("NaN literal", "/episodes", '{"task_description":"x","steps":NaN}', 400, "malformed_json"),
  post("single quotes", "/episodes", "{'task_description':'x'}", 400, "malformed_json"),
  post("a comment after the document", "/episodes", '{"task_description":"x"} // hi', 400, "malformed_json"),
  post("two documents", "/episodes", '{"task_description":"x"}{"task_description":"y"}', 400, "malformed_json"),
  post("invalid UTF-8 bytes", "/episodes", new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), 400, "malformed_json"),
  post("overlong UTF-8", "/episodes", new Uint8Array([0x7b, 0x22, 0xc0, 0xaf, 0x22, 0x7d]), 400, "malformed_json"),
  post(
    "a UTF-16 body",
    "/episodes",
    new Uint8Array(Buffer.from(json({ task_description: "x" }), "utf16le")),
    400,
    "malformed_json"
  ),
  post("unterminated batch", "/episodes/batch", "[", 400, "malformed_json"),
  post("unterminated search", "/embeddings/search", '{"vector":[1,2', 400, "malformed_json"),
  episode("null body", "null", "validation_failed"),
  episode("a string body", '"x"', "validation_failed"),
  episode("__proto__ pollution", '{"__proto__":{"admin":true},"task_description":"x"}', "validation_failed"),
  episode(
    "constructor pollution",
    { constructor: { prototype: { polluted: 1 } }, task_description: "x" },
    "validation_failed"
  ),
  post(
    "number overflowing to Infinity",
    "/heuristics",
    '{"condition":"c","action":"a","confidence":1e999}',
    422,
    "validation_failed"
  ),
  episode("negative step number", { task_description: "x", steps: [step({ step_number: -1 })] }, "validation_failed"),
  episode("wrong type deep inside", { task_description: "x", steps: [{ step_number: "1" }] }, "validation_failed")
]

const text = (bytes: number) => "x".repeat(bytes)
export const oversized: ReadonlyArray<HostileRequest> = [
  post("a 9 MiB body", "/episodes", json({ task_description: text(9 * 1024 * 1024) }), 413, "payload_too_large"),
  episode("a 300 KiB text field", { task_description: text(300 * 1024) }),
  episode("257 tags", { task_description: "x", tags: range(257).map(String) }),
  episode("257 metadata keys", {
    task_description: "x",
    metadata: Object.fromEntries(range(257).map((i) => [`k${i}`, "v"]))
  }),
  episode("a list of 10001 items", { task_description: "x", patterns: range(10_001).map((i) => `p${i}`) }),
  episode("an object of 10001 keys", {
    task_description: "x",
    steps: [step({ parameters: Object.fromEntries(range(10_001).map((i) => [`k${i}`, 0])) })]
  }),
  episode("a record of 1.2 MiB", {
    task_description: "x",
    reflection: { insights: range(5).map(() => text(250 * 1024)) }
  }),
  post(
    "a batch of 1001",
    "/episodes/batch",
    json(range(1001).map((i) => ({ episode_id: `b${i}`, task_description: "x" }))),
    422,
    "limit_exceeded"
  ),
  post(
    "1001 ids to read",
    "/episodes/batch/get",
    json({ ids: range(1001).map((i) => `b${i}`) }),
    422,
    "limit_exceeded"
  ),
  post(
    "a pattern of 10001 tools",
    "/patterns",
    json({ type: "tool_sequence", tools: range(10_001).map(String) }),
    422,
    "limit_exceeded"
  )
]

const deep = (levels: number) => `${'{"a":'.repeat(levels)}1${"}".repeat(levels)}`
export const nested: ReadonlyArray<HostileRequest> = [
  episode("40 KB of open brackets", "[".repeat(40_000)),
  episode("10000 open objects", '{"a":'.repeat(10_000)),
  episode(
    "balanced nesting 40 deep in parameters",
    `{"task_description":"x","steps":[${json(step()).slice(0, -1)},"parameters":${deep(40)}}]}`
  ),
  post(
    "nested arrays in a batch",
    "/episodes/batch",
    `[${"[".repeat(5000)}${"]".repeat(5000)}]`,
    422,
    "limit_exceeded"
  ),
  post(
    "a nested search",
    "/embeddings/search",
    `{"vector":${"[".repeat(1000)}1${"]".repeat(1000)}}`,
    422,
    "limit_exceeded"
  ),
  {
    name: "a nested embedding",
    method: "PUT",
    path: "/embeddings/episode/hostile",
    headers: JSON_TYPE,
    body: `{"model":"m","vector":${deep(100)}}`,
    expectStatus: 422,
    expectCode: "limit_exceeded"
  }
]

export const unicode: ReadonlyArray<HostileRequest> = [
  episode("a lone high surrogate", '{"task_description":"a\\ud800b"}', "validation_failed"),
  episode("a lone low surrogate in a tag", '{"task_description":"x","tags":["\\udfff"]}', "validation_failed"),
  episode(
    "a lone surrogate as a metadata key",
    '{"task_description":"x","metadata":{"\\ud83e":"v"}}',
    "validation_failed"
  ),
  episode("a reversed surrogate pair", '{"task_description":"\\udc00\\ud800"}', "validation_failed"),
  episode("NUL in an id", { episode_id: "a\u0000b", task_description: "x" }, "validation_failed"),
  episode("a far-future start time", { task_description: "x", start_time: "9999-12-31T23:59:59Z" }),
  episode("a start time before 1970", { task_description: "x", start_time: "1969-12-31T23:59:59Z" }),
  episode("year zero", { task_description: "x", start_time: "0000-01-01T00:00:00Z" }),
  episode("a far-future step", { task_description: "x", steps: [step({ timestamp: "2999-01-01T00:00:00Z" })] })
]
