import { afterEach, describe, expect, it } from "vitest"
import { type Harness, makeHarness } from "./support/harness.js"

let h: Harness | undefined
afterEach(async () => {
  await h?.dispose()
  h = undefined
})

/** A 6 KB episode with varied, realistic text (compressible like real tool output). */
const bigEpisode = (id: string) => ({
  episode_id: id,
  task_description: "investigate the flaky integration test in the payments service",
  steps: Array.from({ length: 30 }, (_, i) => ({
    step_number: i + 1,
    timestamp: new Date(1_700_000_000_000 + i * 997).toISOString(),
    tool: ["shell", "editor", "search"][i % 3],
    action: `step ${i}: ${["npm test -- payments", "open src/payments/retry.ts", "grep -rn timeout src/"][i % 3]}`,
    parameters: { attempt: i, cwd: "/srv/app" },
    result: { type: "success", output: `PASS src/payments/retry.test.ts (${i * 13} ms)\n  ✓ retries ${i} times` },
    latency_ms: 40 + i * 7
  }))
})

describe("feature flags change what runs, what is reported and what the database sees", () => {
  it("cache on: repeated reads are served from the cache (no database call); /metrics reports hit rates", async () => {
    h = await makeHarness({ env: { ENABLE_CACHE: "true" } })
    await h.request("POST", "/episodes", bigEpisode("a"))
    const before = await h.dbStats()
    for (let i = 0; i < 10; i++) expect((await h.request("GET", "/episodes/a")).status).toBe(200)
    const after = await h.dbStats()
    // The write went through to the cache: all ten reads are hits.
    expect(after.executes - before.executes).toBe(0)
    const health = await h.request("GET", "/health")
    expect(health.json.features.cache).toBe(true)
    const metrics = (await h.request("GET", "/metrics")).json
    expect(metrics.cache).toMatchObject({ enabled: true, episode_hits: 10, episode_misses: 0, hit_rate: 1 })
  })

  it("cache off: every read reaches the database; /metrics says cache {enabled: false}", async () => {
    h = await makeHarness({ env: { ENABLE_CACHE: "false" } })
    await h.request("POST", "/episodes", bigEpisode("a"))
    const before = await h.dbStats()
    for (let i = 0; i < 10; i++) await h.request("GET", "/episodes/a")
    expect((await h.dbStats()).executes - before.executes).toBe(10)
    expect((await h.request("GET", "/health")).json.features.cache).toBe(false)
    expect((await h.request("GET", "/metrics")).json.cache).toEqual({ enabled: false })
  })

  it("compression on: the payload is stored smaller; off: stored plain and reported as disabled", async () => {
    h = await makeHarness({ env: { ENABLE_COMPRESSION: "true" } })
    await h.request("POST", "/episodes", bigEpisode("a"))
    const on = (await h.request("GET", "/metrics")).json.compression
    expect(on.enabled).toBe(true)
    expect(on.compressed).toBe(1)
    expect(on.ratio).toBeLessThan(0.5)
    await h.dispose()
    h = await makeHarness({ env: { ENABLE_COMPRESSION: "false" } })
    await h.request("POST", "/episodes", bigEpisode("b"))
    expect((await h.request("GET", "/metrics")).json.compression).toEqual({ enabled: false })
    expect((await h.request("GET", "/health")).json.features.compression).toBe(false)
  })

  it("prepared statements: repeated reads reuse one prepared statement (hits counted); reported in /metrics", async () => {
    h = await makeHarness()
    await h.request("POST", "/episodes", bigEpisode("a"))
    await h.request("GET", "/episodes/a")
    const before = (await h.request("GET", "/metrics")).json.prepared_statements
    for (let i = 0; i < 10; i++) await h.request("GET", "/episodes/a")
    const after = (await h.request("GET", "/metrics")).json.prepared_statements
    expect(after.enabled).toBe(true)
    // The first read prepared the statement: the next ten are all hits.
    expect(after.hits - before.hits).toBe(10)
    expect(after.misses - before.misses).toBe(0)
  })

  it("a codec that cannot start: the API starts without compression, says so in /health, and still stores", async () => {
    h = await makeHarness({ loadZstd: () => Promise.reject(new Error("no wasm here")) })
    const health = (await h.request("GET", "/health")).json
    expect(health.features.compression).toBe(false)
    expect(health.degraded).toEqual([{ feature: "compression", reason: expect.stringContaining("zstd") }])
    expect((await h.request("GET", "/metrics")).json.compression).toEqual({ enabled: false })
    expect((await h.request("POST", "/episodes", bigEpisode("a"))).status).toBe(200)
    expect((await h.request("GET", "/episodes/a")).json.episode_id).toBe("a")
  })

  it("a cache that cannot start: the API starts without it, reports it, and every read reaches the database", async () => {
    h = await makeHarness({
      env: { ENABLE_CACHE: "true" },
      // min > max TTL: refused by configuration validation, so only reachable by an embedder passing its own.
      configure: (config) => ({ ...config, cache: { ...config.cache, min_ttl_secs: 9000, max_ttl_secs: 10 } })
    })
    const health = (await h.request("GET", "/health")).json
    expect(health.features.cache).toBe(false)
    expect(health.degraded).toEqual([{ feature: "cache", reason: expect.stringContaining("maxTtl") }])
    await h.request("POST", "/episodes", bigEpisode("a"))
    const before = await h.dbStats()
    await h.request("GET", "/episodes/a")
    expect((await h.dbStats()).executes - before.executes).toBe(1)
  })

  it("ENABLE_OPTIMIZATIONS=false: optimizations disabled, every optional feature off", async () => {
    h = await makeHarness({ env: { ENABLE_OPTIMIZATIONS: "false", ENABLE_CACHE: "true", ENABLE_COMPRESSION: "true" } })
    const health = await h.request("GET", "/health")
    expect((await h.request("GET", "/metrics")).json.prepared_statements).toEqual({ enabled: false })
    expect(health.json).toMatchObject({
      optimizations: "disabled",
      features: {
        keepalive: false,
        compression: false,
        cache: false,
        prepared_statements: false,
        batch_operations: true
      }
    })
  })
})
