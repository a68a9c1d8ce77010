/**
 * A corpus of hostile requests: malformed, oversized and deeply nested bodies, injection strings in ids and filters,
 * bad ids, broken Unicode and NUL, wrong content types, cross-site origins, huge filters and vectors. Every one must
 * be refused with a typed 4xx and change nothing.
 *
 * Plain data (no test framework), so that any runner can import it. `expectStatus` (and `expectCode`) hold for an
 * API with the default `[limits]`, no tokens and no `server.allowed_origins` (the loopback default), whatever it
 * stores: no request depends on a record existing. Send exactly the given headers (no default Content-Type).
 */
export interface HostileRequest {
  readonly name: string
  readonly method: string
  /** Path and query, already URL-encoded. */
  readonly path: string
  readonly headers?: Readonly<Record<string, string>>
  readonly body?: string | Uint8Array
  readonly expectStatus: number
  readonly expectCode?: string
}

const JSON_TYPE = { "content-type": "application/json" }
const EVIL = "http://evil.example"
const INJECTION = "'; DROP TABLE episodes;--"
const enc = encodeURIComponent
const json = (value: unknown) => JSON.stringify(value)
const range = (n: number) => Array.from({ length: n }, (_, i) => i)
const step = (extra: Record<string, unknown> = {}) => ({
  step_number: 1,
  timestamp: "2025-01-01T00:00:00Z",
  tool: "t",
  action: "a",
  ...extra
})

/** A JSON POST. */
const post = (
  name: string,
  path: string,
  body: string | Uint8Array,
  expectStatus: number,
  expectCode: string
): HostileRequest => ({ name, method: "POST", path, headers: JSON_TYPE, body, expectStatus, expectCode })
/** A JSON POST of an episode that must be refused with 422 `code`. */
const episode = (name: string, value: unknown, code = "limit_exceeded") =>
  post(name, "/episodes", typeof value === "string" ? value : json(value), 422, code)
const get = (name: string, path: string, expectStatus: number, expectCode: string): HostileRequest => ({
  name,
  method: "GET",
  path,
  expectStatus,
  expectCode
})

const malformed: ReadonlyArray<HostileRequest> = [
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
const oversized: ReadonlyArray<HostileRequest> = [
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
const nested: ReadonlyArray<HostileRequest> = [
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

const injection: ReadonlyArray<HostileRequest> = [
  get("injection as an id", `/episodes/${enc(INJECTION)}`, 422, "validation_failed"),
  {
    name: "injection as an id to delete",
    method: "DELETE",
    path: `/episodes/${enc("' OR '1'='1")}`,
    expectStatus: 422,
    expectCode: "validation_failed"
  },
  get("injection as a pattern id", `/patterns/${enc("1; DELETE FROM patterns")}`, 422, "validation_failed"),
  episode("injection as an episode_id", { episode_id: INJECTION, task_description: "x" }, "validation_failed"),
  get("injection in task_type", `/episodes?task_type=${enc(INJECTION)}`, 422, "validation_failed"),
  get("injection in from", `/episodes?from=${enc("' OR 1=1 --")}`, 422, "validation_failed"),
  get("injection in limit", `/episodes?limit=${enc("1;DROP TABLE episodes")}`, 422, "validation_failed"),
  get("injection in cursor", `/episodes?cursor=${enc(INJECTION)}`, 422, "invalid_cursor"),
  get(
    "injection in a pattern type",
    `/patterns?type=${enc("' UNION SELECT * FROM episodes --")}`,
    422,
    "validation_failed"
  ),
  get("injection in completed", `/episodes?completed=${enc("true' OR '1'='1")}`, 422, "validation_failed"),
  get("injection in tags_mode", `/episodes?tags_mode=${enc("any'--")}`, 422, "validation_failed"),
  get("an unknown parameter", `/episodes?id=${enc("1 OR 1=1")}`, 422, "validation_failed"),
  {
    name: "injection as a namespace",
    method: "GET",
    path: "/episodes",
    headers: { "x-memory-namespace": INJECTION },
    expectStatus: 422,
    expectCode: "invalid_namespace"
  },
  {
    name: "injection as an embedding target",
    method: "PUT",
    path: `/embeddings/episode/${enc("x'--")}`,
    headers: JSON_TYPE,
    body: json({ model: "m", vector: [1] }),
    expectStatus: 422,
    expectCode: "validation_failed"
  },
  {
    name: "injection as an item type",
    method: "PUT",
    path: `/embeddings/${enc(INJECTION)}/x`,
    headers: JSON_TYPE,
    body: json({ model: "m", vector: [1] }),
    expectStatus: 422,
    expectCode: "validation_failed"
  },
  post(
    "injection as k",
    "/embeddings/search",
    json({ vector: [1], k: "1; DROP TABLE embeddings" }),
    422,
    "validation_failed"
  )
]

const badIds: ReadonlyArray<HostileRequest> = [
  get("an id of 129 characters", `/episodes/${"a".repeat(129)}`, 422, "validation_failed"),
  get("NUL as an id", "/episodes/%00", 422, "validation_failed"),
  get("an emoji id", "/episodes/%F0%9F%A7%A0", 422, "validation_failed"),
  post(
    "a heuristic id with a space",
    "/heuristics",
    json({ heuristic_id: "has space", condition: "c", action: "a", confidence: 0.5 }),
    422,
    "validation_failed"
  ),
  post(
    "one bad id in a batch",
    "/episodes/batch",
    json([
      { episode_id: "ok", task_description: "x" },
      { episode_id: "../x", task_description: "x" }
    ]),
    422,
    "validation_failed"
  ),
  {
    name: "a dot-dot namespace",
    method: "GET",
    path: "/episodes",
    headers: { "x-memory-namespace": ".." },
    expectStatus: 422,
    expectCode: "invalid_namespace"
  },
  {
    name: "a namespace of 129 characters",
    method: "GET",
    path: "/episodes",
    headers: { "x-memory-namespace": "n".repeat(129) },
    expectStatus: 422,
    expectCode: "invalid_namespace"
  }
]

const unicode: ReadonlyArray<HostileRequest> = [
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

const body = json({ task_description: "planted" })
const typed = (name: string, type: string | undefined, path = "/episodes", method = "POST"): HostileRequest => ({
  name,
  method,
  path,
  headers: type === undefined ? {} : { "content-type": type },
  body,
  expectStatus: 415,
  expectCode: "unsupported_media_type"
})
const contentTypes: ReadonlyArray<HostileRequest> = [
  typed("text/plain", "text/plain"),
  typed("a form", "application/x-www-form-urlencoded"),
  typed("multipart", "multipart/form-data; boundary=x"),
  typed("XML", "application/xml"),
  typed("JSON in latin1", "application/json; charset=latin1"),
  typed("NDJSON to a JSON route", "application/x-ndjson"),
  typed("JSON patch", "application/json-patch+json"),
  typed("no content type", undefined),
  typed("text/plain embedding", "text/plain", "/embeddings/episode/hostile", "PUT"),
  typed("text/plain batch read", "text/plain", "/episodes/batch/get")
]

const crossSite = (
  name: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  withBody = false
): HostileRequest => ({
  name,
  method,
  path,
  headers,
  ...(withBody ? { body } : {}),
  expectStatus: 403,
  expectCode: "forbidden_origin"
})
const origins: ReadonlyArray<HostileRequest> = [
  crossSite("a cross-site JSON post", "POST", "/episodes", { origin: EVIL, ...JSON_TYPE }, true),
  crossSite("a cross-site form post", "POST", "/episodes", { origin: EVIL, "content-type": "text/plain" }, true),
  crossSite("a cross-site read", "GET", "/episodes", { origin: EVIL }),
  crossSite("a delete from a sandboxed frame", "DELETE", "/episodes/x", { origin: "null" }),
  crossSite("a preflight from another site", "OPTIONS", "/episodes", {
    origin: EVIL,
    "access-control-request-method": "POST"
  }),
  crossSite(
    "Sec-Fetch-Site cross-site, no Origin",
    "POST",
    "/episodes",
    { "sec-fetch-site": "cross-site", ...JSON_TYPE },
    true
  ),
  crossSite("a cross-site operator action", "POST", "/compression/dictionary", { origin: EVIL }),
  crossSite(
    "a DNS-rebinding origin",
    "POST",
    "/episodes",
    { origin: "http://127.0.0.1.evil.example:3000", ...JSON_TYPE },
    true
  )
]

const vector = (n: number) =>
  `[${range(n)
    .map((i) => (i % 9) + 1)
    .join(",")}]`
const huge: ReadonlyArray<HostileRequest> = [
  get(
    "800 metadata filters",
    `/episodes?${range(800)
      .map((i) => `metadata=${i.toString(36)}:v`)
      .join("&")}`,
    422,
    "limit_exceeded"
  ),
  get("65 tags in one parameter", `/episodes?tags=${range(65).join(",")}`, 422, "limit_exceeded"),
  get(
    "65 tag parameters",
    `/episodes?${range(65)
      .map((i) => `tag=${i}`)
      .join("&")}`,
    422,
    "limit_exceeded"
  ),
  post("a 65536-dimension search", "/embeddings/search", `{"vector":${vector(65_536)}}`, 422, "limit_exceeded"),
  post("a 100000-dimension search", "/embeddings/search", `{"vector":${vector(100_000)}}`, 422, "limit_exceeded"),
  {
    name: "a 4097-dimension embedding",
    method: "PUT",
    path: "/embeddings/episode/hostile",
    headers: JSON_TYPE,
    body: `{"model":"m","vector":${vector(4097)}}`,
    expectStatus: 422,
    expectCode: "limit_exceeded"
  },
  post("k of a billion", "/embeddings/search", json({ vector: [1], k: 1e9 }), 422, "validation_failed"),
  { name: "PATCH", method: "PATCH", path: "/episodes/x", expectStatus: 405, expectCode: "method_not_allowed" },
  get("an unknown route", "/no/such/route", 404, "route_not_found"),
  post("a path past a route", "/episodes/batch/get/extra", json({ ids: [] }), 404, "route_not_found")
]

/** Every hostile request, grouped by kind. */
export const hostileRequests: ReadonlyArray<HostileRequest> = [
  ...malformed,
  ...oversized,
  ...nested,
  ...injection,
  ...badIds,
  ...unicode,
  ...contentTypes,
  ...origins,
  ...huge
]
