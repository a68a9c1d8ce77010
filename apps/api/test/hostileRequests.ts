/**
 * Hostile requests and the status the API must answer each with: a typed 4xx (a JSON error body with a stable
 * code), never a 5xx, never a change to stored data. The reliability suite (`pnpm test:reliability`, the
 * "adversarial corpus" check) sends every entry to the built API.
 *
 * How an entry is sent: `path` (with its query) from the API's root; the suite adds `authorization: Bearer <its
 * token>` and, when there is a body, `content-type: application/json`, unless `headers` names them (a header set
 * to "" is left out). The namespace is the token's default.
 *
 * PLACEHOLDER: a first dozen entries in the agreed shape, until the "limits" work brings the full corpus (60+)
 * under this path; the expected statuses are the (limits, media types, origins), not today's answers.
 */

/** One hostile request and the status it must get. */
export interface HostileRequest {
  readonly name: string
  readonly method: string
  readonly path: string
  readonly headers?: Readonly<Record<string, string>>
  readonly body?: string | Uint8Array
  readonly expectStatus: number
}

const MiB = 1024 * 1024

export const hostileRequests: ReadonlyArray<HostileRequest> = [
  { name: "malformed JSON", method: "POST", path: "/episodes", body: '{"task_description": ', expectStatus: 400 },
  {
    name: "valid JSON sent as text/plain (a cross-site form)",
    method: "POST",
    path: "/episodes",
    headers: { "content-type": "text/plain" },
    body: '{"task_description":"csrf"}',
    expectStatus: 415
  },
  {
    name: "cross-site Origin",
    method: "POST",
    path: "/episodes",
    headers: { origin: "https://evil.example" },
    body: '{"task_description":"from another site"}',
    expectStatus: 403
  },
  {
    name: "JSON nested 20,000 deep",
    method: "POST",
    path: "/episodes",
    body: `{"task_description":"deep","metadata":${"[".repeat(20_000)}${"]".repeat(20_000)}}`,
    expectStatus: 422
  },
  {
    name: "body over 8 MiB",
    method: "POST",
    path: "/episodes",
    body: JSON.stringify({ task_description: "x".repeat(9 * MiB) }),
    expectStatus: 413
  },
  {
    name: "text field over 256 KiB",
    method: "POST",
    path: "/episodes",
    body: JSON.stringify({ task_description: "x".repeat(300 * 1024) }),
    expectStatus: 422
  },
  {
    name: "lone surrogate in text",
    method: "POST",
    path: "/episodes",
    body: '{"task_description":"broken \\ud800 text"}',
    expectStatus: 422
  },
  { name: "SQL injection in an id", method: "GET", path: "/episodes/1'%20OR%20'1'='1", expectStatus: 422 },
  { name: "NUL in an id", method: "GET", path: "/episodes/a%00b", expectStatus: 422 },
  {
    name: "search vector of 65,536 dimensions",
    method: "POST",
    path: "/embeddings/search",
    body: JSON.stringify({ vector: Array.from({ length: 65_536 }, (_, i) => (i % 7) / 7), k: 10 }),
    expectStatus: 422
  },
  {
    name: "2000 tag filters",
    method: "GET",
    path: `/episodes?tags=${Array.from({ length: 2000 }, (_, i) => `t${i}`).join(",")}`,
    expectStatus: 422
  },
  {
    name: "batch get of 1001 ids",
    method: "POST",
    path: "/episodes/batch/get",
    body: JSON.stringify({ ids: Array.from({ length: 1001 }, (_, i) => `e${i}`) }),
    expectStatus: 422
  }
]
