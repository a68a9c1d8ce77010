import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { type Harness, makeHarness } from "./support/harness.js"

let h: Harness
beforeEach(async () => {
  h = await makeHarness()
})
afterEach(() => h.dispose())

describe("operator endpoints", () => {
  it("/health and /db-health report healthy with the features in use, after a real round trip", async () => {
    const health = await h.request("GET", "/health")
    expect(health.status).toBe(200)
    expect(health.json).toEqual({
      status: "healthy",
      optimizations: "enabled",
      features: { keepalive: false, compression: true, cache: false, prepared_statements: true, batch_operations: true }
    })
    const before = await h.dbStats()
    const db = await h.request("GET", "/db-health")
    const after = await h.dbStats()
    expect(db.status).toBe(200)
    expect(db.json).toMatchObject({ status: "healthy", optimizations: "enabled", database: "embedded" })
    expect(db.json.counts).toEqual({ episodes: 0, patterns: 0, heuristics: 0, embeddings: 0 })
    expect(after.executes - before.executes).toBe(1)
  })

  it("both answer 503 unhealthy while the database does not answer, and recover after", async () => {
    h.outage.on = true
    for (const path of ["/health", "/db-health"]) {
      const response = await h.request("GET", path)
      expect(response.status).toBe(503)
      expect(response.json.status).toBe("unhealthy")
    }
    // A write that fails so may have been applied: its outcome is unknown.
    const write = await h.request("POST", "/episodes", { task_description: "x" })
    expect(write.status).toBe(503)
    expect(write.json.error.code).toBe("outcome_unknown")
    expect(write.headers.get("retry-after")).toBe("1")
    h.outage.on = false
    expect((await h.request("GET", "/health")).status).toBe(200)
  })

  it("/metrics counts requests per route with errors and latency percentiles", async () => {
    await h.request("POST", "/episodes", { episode_id: "a", task_description: "x" })
    for (let i = 0; i < 5; i++) await h.request("GET", "/episodes/a")
    await h.request("GET", "/episodes/missing")
    h.outage.on = true
    await h.request("GET", "/episodes/a")
    h.outage.on = false
    const metrics = await h.request("GET", "/metrics")
    const route = metrics.json.requests["GET /episodes/:id"]
    expect(route).toMatchObject({ count: 7, errors: 1, client_errors: 1 })
    expect(route.p50_ms).toBeGreaterThan(0)
    expect(route.p50_ms).toBeLessThanOrEqual(route.p95_ms)
    expect(route.p95_ms).toBeLessThanOrEqual(route.p99_ms)
    expect(route.p99_ms).toBeLessThanOrEqual(route.max_ms)
    expect(metrics.json.requests["POST /episodes"].count).toBe(1)
    expect(metrics.json.database).toMatchObject({ kind: "embedded", batches: (await h.dbStats()).batches })
    expect(metrics.json.process.rss_bytes).toBeGreaterThan(0)
  })
})

describe("Prometheus exposition", () => {
  it("/metrics with Accept: text/plain and /metrics/prometheus answer the same families (test/prometheus.test.ts checks them)", async () => {
    await h.dispose()
    h = await makeHarness({ env: { ENABLE_CACHE: "true" } })
    await h.request("GET", "/episodes/a")
    const response = await h.request("GET", "/metrics", undefined, { accept: "text/plain" })
    expect(response.headers.get("content-type")).toContain("text/plain")
    const families = (text: string) => text.split("\n").filter((l) => l.startsWith("# TYPE "))
    const alias = await h.request("GET", "/metrics/prometheus")
    expect(families(alias.text)).toEqual(families(response.text))
    expect(response.text).toContain("# TYPE memory_turso_http_requests_total counter")
    // Every sample line is "name{labels} value" with a number.
    for (const line of response.text.split("\n").filter((l) => l !== "" && !l.startsWith("#"))) {
      expect(line).toMatch(/^[a-z_][a-z0-9_]*(\{[^}]*\})? (-?[0-9.e+-]+|NaN|\+Inf)$/)
    }
  })
})
