/** Hostile addresses and headers: injection strings, bad ids, wrong content types, cross-site origins, huge filters and vectors. */
import { EVIL, enc, episode, get, type HostileRequest, INJECTION, JSON_TYPE, json, post, range } from "./builders.js"

export const injection: ReadonlyArray<HostileRequest> = [
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

export const badIds: ReadonlyArray<HostileRequest> = [
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
export const contentTypes: ReadonlyArray<HostileRequest> = [
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
export const origins: ReadonlyArray<HostileRequest> = [
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
  crossSite("a DNS-rebound Host (a same-origin read)", "GET", "/episodes", { host: "evil.example:3000" }),
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
export const huge: ReadonlyArray<HostileRequest> = [
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
