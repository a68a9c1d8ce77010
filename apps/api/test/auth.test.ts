import { createHash } from "node:crypto"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import type { TokenEntry } from "../src/auth/AuthConfig.js"
import { type Harness, makeHarness } from "./support/harness.js"

const hash = (secret: string) => createHash("sha256").update(secret).digest("hex")

/** Four tokens: two teams (read+write on their own namespaces), a reader of team-a, an operator. */
const SECRETS = { a: "secret-team-a-0123", b: "secret-team-b-4567", reader: "secret-reader-89", ops: "secret-ops-abcd" }
const tokens: ReadonlyArray<TokenEntry> = [
  { name: "team-a-agents", sha256: hash(SECRETS.a), scopes: ["read", "write"], namespaces: ["team-a", "team-a-*"] },
  { name: "team-b-agents", sha256: hash(SECRETS.b), scopes: ["read", "write"], namespaces: ["team-b"] },
  { name: "team-a-reader", sha256: hash(SECRETS.reader), scopes: ["read"], namespaces: ["team-a"] },
  { name: "operator", sha256: hash(SECRETS.ops).toUpperCase(), scopes: ["admin", "metrics"], namespaces: ["lab-*"] }
]

const as = (secret: string, extra: Record<string, string> = {}) => ({ authorization: `Bearer ${secret}`, ...extra })

let h: Harness
const start = async (publicMetrics = false) => {
  h = await makeHarness({ configure: (c) => ({ ...c, auth: { public_metrics: publicMetrics, tokens } }) })
}
afterEach(() => h.dispose())

/** Writes the same ids with different content as `secret` (in its default namespace). */
const writeAll = async (secret: string, team: string) => {
  const headers = as(secret)
  const writes = [
    await h.request("POST", "/episodes", { episode_id: "e1", task_description: `${team} one`, tags: ["t"] }, headers),
    await h.request(
      "POST",
      "/episodes/batch",
      { episodes: [{ episode_id: "e2", task_description: `${team} two`, tags: ["t"] }] },
      headers
    ),
    await h.request(
      "POST",
      "/patterns",
      { pattern_id: "p1", type: "error_recovery", error_type: `E-${team}`, recovery_steps: [] },
      headers
    ),
    await h.request(
      "POST",
      "/heuristics/batch",
      [{ heuristic_id: "h1", condition: "c", action: `${team} action`, confidence: 0.5 }],
      headers
    ),
    await h.request("PUT", "/embeddings/episode/e1", { model: "m", vector: team === "a" ? [1, 0] : [0, 1] }, headers)
  ]
  expect(writes.map((w) => w.status)).toEqual([200, 200, 200, 200, 200])
}

describe("two teams, two tokens, two namespaces", () => {
  beforeEach(() => start())

  it("the same ids hold different content per namespace; each token sees only its own on every route kind", async () => {
    await writeAll(SECRETS.a, "a")
    await writeAll(SECRETS.b, "b")
    // team-a writes one more episode in a second namespace its prefix allows.
    const extra = await h.request(
      "POST",
      "/episodes",
      { episode_id: "e3", task_description: "a sub" },
      as(SECRETS.a, { "x-memory-namespace": "team-a-sub" })
    )
    expect(extra.status).toBe(200)
    for (const [secret, team] of [
      [SECRETS.a, "a"],
      [SECRETS.b, "b"]
    ] as const) {
      const headers = as(secret)
      expect((await h.request("GET", "/episodes/e1", undefined, headers)).json.task_description).toBe(`${team} one`)
      const listed = await h.request("GET", "/episodes?tag=t", undefined, headers)
      expect(listed.json.episodes.map((e: any) => e.task_description).sort()).toEqual([`${team} one`, `${team} two`])
      const batch = await h.request("POST", "/episodes/batch/get", { ids: ["e1", "e2", "e3"] }, headers)
      expect(batch.json.episodes.map((e: any) => e.task_description)).toEqual([`${team} one`, `${team} two`])
      expect(batch.json.missing).toEqual(["e3"])
      expect((await h.request("GET", "/patterns/p1", undefined, headers)).json.error_type).toBe(`E-${team}`)
      expect((await h.request("GET", "/patterns", undefined, headers)).json.patterns).toHaveLength(1)
      const heuristics = await h.request("POST", "/heuristics/batch/get", { ids: ["h1"] }, headers)
      expect(heuristics.json.heuristics.map((x: any) => x.action)).toEqual([`${team} action`])
      expect((await h.request("GET", "/embeddings/episode/e1", undefined, headers)).json.vector).toEqual(
        team === "a" ? [1, 0] : [0, 1]
      )
      const search = await h.request("POST", "/embeddings/search", { vector: [1, 0], k: 5 }, headers)
      expect(search.json.matches).toHaveLength(1)
      expect(search.json.matches[0].similarity).toBeCloseTo(team === "a" ? 1 : 0)
      const health = await h.request("GET", "/db-health", undefined, headers)
      expect(health.json.counts).toEqual({ episodes: 2, patterns: 1, heuristics: 1, embeddings: 1 })
    }
    // The prefix namespace holds its own record only.
    expect(await h.counts("team-a-sub")).toEqual({ episodes: 1, patterns: 0, heuristics: 0, embeddings: 0 })
    // A delete in one namespace leaves the other's record.
    expect((await h.request("DELETE", "/episodes/e1", undefined, as(SECRETS.a))).status).toBe(204)
    expect((await h.request("GET", "/episodes/e1", undefined, as(SECRETS.b))).json.task_description).toBe("b one")
  })

  it("a namespace the token does not hold is 403 forbidden_namespace; a malformed one is 422; nothing is written", async () => {
    const refused = await h.request(
      "POST",
      "/episodes",
      { episode_id: "x", task_description: "intruder" },
      as(SECRETS.a, { "x-memory-namespace": "team-b" })
    )
    expect(refused.status).toBe(403)
    expect(refused.json.error.code).toBe("forbidden_namespace")
    const read = await h.request("GET", "/episodes", undefined, as(SECRETS.b, { "x-memory-namespace": "team-a" }))
    expect(read.json.error.code).toBe("forbidden_namespace")
    for (const bad of ["a b", "x".repeat(129), "..", "team-a/../team-b"]) {
      const malformed = await h.request("GET", "/episodes", undefined, as(SECRETS.a, { "x-memory-namespace": bad }))
      expect(malformed.status).toBe(422)
      expect(malformed.json.error.code).toBe("invalid_namespace")
      if (bad.length > 2) expect(malformed.text).not.toContain(bad)
    }
    expect(await h.counts("team-b")).toEqual({ episodes: 0, patterns: 0, heuristics: 0, embeddings: 0 })
  })

  it("a cursor issued in one namespace is refused in another (422 invalid_cursor)", async () => {
    await writeAll(SECRETS.a, "a")
    await writeAll(SECRETS.b, "b")
    const first = await h.request("GET", "/episodes?limit=1", undefined, as(SECRETS.a))
    const cursor = first.json.next_cursor as string
    expect(cursor).toEqual(expect.any(String))
    const next = await h.request("GET", `/episodes?limit=1&cursor=${cursor}`, undefined, as(SECRETS.a))
    expect(next.json.episodes).toHaveLength(1)
    const elsewhere = await h.request("GET", `/episodes?limit=1&cursor=${cursor}`, undefined, as(SECRETS.b))
    expect(elsewhere.status).toBe(422)
    expect(elsewhere.json.error.code).toBe("invalid_cursor")
  })

  it("a read-only token cannot write or delete (403 forbidden), and changes nothing", async () => {
    await writeAll(SECRETS.a, "a")
    const reader = as(SECRETS.reader)
    expect((await h.request("GET", "/episodes/e1", undefined, reader)).status).toBe(200)
    const attempts = [
      await h.request("POST", "/episodes", { episode_id: "e1", task_description: "overwritten" }, reader),
      await h.request("POST", "/episodes/batch", [{ task_description: "new" }], reader),
      await h.request("DELETE", "/episodes/e1", undefined, reader),
      await h.request("PUT", "/embeddings/episode/e1", { model: "m", vector: [5, 5] }, reader),
      await h.request("DELETE", "/embeddings/episode/e1", undefined, reader),
      await h.request("POST", "/compression/dictionary", undefined, reader),
      await h.request("GET", "/metrics", undefined, reader)
    ]
    for (const attempt of attempts) {
      expect(attempt.status).toBe(403)
      expect(attempt.json.error.code).toBe("forbidden")
    }
    expect((await h.request("GET", "/episodes/e1", undefined, reader)).json.task_description).toBe("a one")
    expect(await h.counts("team-a")).toEqual({ episodes: 2, patterns: 1, heuristics: 1, embeddings: 1 })
  })

  it("no token, an unknown token or another scheme is 401 with WWW-Authenticate; the secret is never echoed", async () => {
    const cases: ReadonlyArray<[Record<string, string>, string]> = [
      [{}, 'Bearer realm="memory-turso"'],
      [{ authorization: "Bearer not-a-known-token" }, 'Bearer realm="memory-turso", error="invalid_token"'],
      [{ authorization: `Basic ${Buffer.from(`u:${SECRETS.a}`).toString("base64")}` }, 'error="invalid_token"'],
      [{ authorization: `Bearer ${hash(SECRETS.a)}` }, 'error="invalid_token"']
    ]
    for (const [headers, challenge] of cases) {
      for (const [method, path] of [
        ["GET", "/episodes/e1"],
        ["POST", "/episodes"],
        ["GET", "/metrics"],
        ["GET", "/db-health"]
      ] as const) {
        const response = await h.request(
          method,
          path,
          method === "POST" ? { task_description: "x" } : undefined,
          headers
        )
        expect(response.status).toBe(401)
        expect(response.json.error.code).toBe("unauthorized")
        expect(response.headers.get("www-authenticate")).toContain(challenge)
        expect(response.text).not.toContain("not-a-known-token")
        expect(response.text).not.toContain(hash(SECRETS.a))
      }
    }
    expect(await h.counts("default")).toEqual({ episodes: 0, patterns: 0, heuristics: 0, embeddings: 0 })
  })

  it("probes, /health and the API description answer without a token", async () => {
    for (const path of ["/livez", "/readyz", "/health"]) {
      const response = await h.request("GET", path)
      expect(response.status).toBe(200)
    }
    expect((await h.request("GET", "/livez")).json).toEqual({ status: "alive" })
    expect((await h.request("GET", "/readyz")).json).toEqual({ status: "ready" })
  })

  it("a token whose namespaces are all patterns must name one: 422 namespace_required", async () => {
    const response = await h.request("GET", "/episodes", undefined, as(SECRETS.ops))
    expect(response.status).toBe(403) // the operator has no read scope at all
    const named = await h.request("GET", "/metrics", undefined, as(SECRETS.ops))
    expect(named.status).toBe(200)
    const patternsOnly = await makeHarness({
      configure: (c) => ({
        ...c,
        auth: { public_metrics: false, tokens: [{ ...tokens[0]!, namespaces: ["lab-*", "team-a"] }] }
      })
    })
    try {
      const missing = await patternsOnly.request("GET", "/episodes", undefined, as(SECRETS.a))
      expect(missing.status).toBe(422)
      expect(missing.json.error.code).toBe("namespace_required")
      const named = await patternsOnly.request(
        "GET",
        "/episodes",
        undefined,
        as(SECRETS.a, { "x-memory-namespace": "lab-1" })
      )
      expect(named.status).toBe(200)
    } finally {
      await patternsOnly.dispose()
    }
  })

  it("operator routes need admin; /metrics needs metrics and counts requests per token name, never a secret", async () => {
    expect((await h.request("POST", "/compression/dictionary", undefined, as(SECRETS.a))).json.error.code).toBe(
      "forbidden"
    )
    // The operator gets past access control: the dictionary is unavailable because no episode is stored yet.
    const built = await h.request("POST", "/compression/dictionary", undefined, as(SECRETS.ops))
    expect(built.json.error.code).toBe("dictionary_unavailable")
    await h.request("GET", "/episodes", undefined, as(SECRETS.a))
    await h.request("GET", "/episodes", undefined, as(SECRETS.a, { "x-memory-namespace": "team-b" }))
    await h.request("GET", "/episodes", undefined, { authorization: "Bearer nope" })
    expect((await h.request("GET", "/metrics", undefined, as(SECRETS.a))).status).toBe(403)
    const metrics = await h.request("GET", "/metrics", undefined, as(SECRETS.ops))
    expect(metrics.status).toBe(200)
    expect(metrics.json.auth).toEqual({
      enabled: true,
      requests: { "team-a-agents": 4, operator: 2 },
      denied: { "team-a-agents": 3 },
      unauthenticated: 1
    })
    const prometheus = await h.request("GET", "/metrics/prometheus", undefined, as(SECRETS.ops))
    expect(prometheus.text).toContain('memory_turso_auth_requests_total{token="team-a-agents"} 4')
    expect(prometheus.text).toContain("memory_turso_auth_unauthenticated_total 1")
    for (const text of [metrics.text, prometheus.text]) {
      for (const secret of Object.values(SECRETS)) {
        expect(text).not.toContain(secret)
        expect(text.toLowerCase()).not.toContain(hash(secret))
      }
    }
  })
})

describe("auth.public_metrics", () => {
  beforeEach(() => start(true))

  it("opens /metrics to callers without a token; the data routes stay closed", async () => {
    expect((await h.request("GET", "/metrics")).status).toBe(200)
    expect((await h.request("GET", "/metrics/prometheus")).status).toBe(200)
    expect((await h.request("GET", "/episodes")).status).toBe(401)
  })
})

describe("with no token configured (a developer's machine)", () => {
  beforeEach(async () => {
    h = await makeHarness()
  })

  it("everything works without a token, in `default` unless X-Memory-Namespace names another", async () => {
    const post = (ns: string | undefined, text: string) =>
      h.request(
        "POST",
        "/episodes",
        { episode_id: "same", task_description: text },
        ns === undefined ? {} : { "x-memory-namespace": ns }
      )
    expect((await post(undefined, "in default")).status).toBe(200)
    expect((await post("scratch", "in scratch")).status).toBe(200)
    expect((await h.request("GET", "/episodes/same")).json.task_description).toBe("in default")
    const scratch = await h.request("GET", "/episodes/same", undefined, { "x-memory-namespace": "scratch" })
    expect(scratch.json.task_description).toBe("in scratch")
    expect((await h.request("GET", "/episodes", undefined, { authorization: "Bearer anything" })).status).toBe(200)
    expect((await h.request("GET", "/metrics")).json.auth).toEqual({ enabled: false })
  })

  it("/readyz answers 503 not_ready while draining or while the database does not answer", async () => {
    expect((await h.request("GET", "/readyz")).status).toBe(200)
    h.outage.on = true
    const down = await h.request("GET", "/readyz")
    expect(down.status).toBe(503)
    expect(down.json.error).toMatchObject({ code: "not_ready" })
    expect((await h.request("GET", "/livez")).status).toBe(200)
    h.outage.on = false
    h.lifecycle.drain()
    const draining = await h.request("GET", "/readyz")
    expect(draining.status).toBe(503)
    expect(draining.json.error.message).toContain("draining")
    expect((await h.request("GET", "/livez")).status).toBe(200)
  })
})
