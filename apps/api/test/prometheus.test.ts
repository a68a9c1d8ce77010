import { afterEach, describe, expect, it } from "vitest"
import { type Harness, makeHarness } from "./support/harness.js"
import { type Family, parse, sampleOf, seriesKeys, seriesValue } from "./support/prometheus.js"

let h: Harness | undefined
afterEach(async () => {
  await h?.dispose()
  h = undefined
})

const scrape = async (harness: Harness) => {
  const response = await harness.request("GET", "/metrics", undefined, { accept: "text/plain" })
  expect(response.status).toBe(200)
  expect(response.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8")
  return { text: response.text, families: parse(response.text) }
}

/** Units Prometheus' conventions rule out (base units only) and figures that are not measurements. */
const NOT_BASE_UNIT = /_(ms|us|ns|s|secs|millis|kb|mb|kib|mib|avg|average|mean|rate|ratio_percent|percent)(_|$)/

describe("/metrics as Prometheus text", () => {
  it("parses as exposition format: every family typed, documented, in base units, no series twice", async () => {
    h = await makeHarness({ env: { ENABLE_CACHE: "true" } })
    await h.request("POST", "/episodes", { episode_id: "a", task_description: "x" })
    await h.request("GET", "/episodes/a")
    const { text, families } = await scrape(h)
    expect(families.size).toBeGreaterThan(40)
    const keys = seriesKeys(text)
    expect(keys.filter((k) => k.startsWith("unparsable"))).toEqual([])
    expect(keys.length).toBe(new Set(keys).size)
    const problems: Array<string> = []
    for (const family of families.values() as Iterable<Family>) {
      const { name, type } = family
      if (type === "UNTYPED" || type === "SUMMARY") problems.push(`${name}: ${type}`)
      if (family.help === "" || family.help === name) problems.push(`${name}: no HELP`)
      if ((type === "COUNTER") !== name.endsWith("_total")) problems.push(`${name}: ${type} with _total mismatch`)
      if (NOT_BASE_UNIT.test(name)) problems.push(`${name}: not a base unit`)
      if (type === "HISTOGRAM" && !name.endsWith("_seconds")) problems.push(`${name}: histogram not in seconds`)
      if (name.includes("connection_pool")) problems.push(`${name}: duplicates pool`)
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) problems.push(`${name}: bad name`)
    }
    expect(problems).toEqual([])
    // The standard process and Node runtime metrics.
    for (const name of [
      "process_cpu_seconds_total",
      "process_resident_memory_bytes",
      "process_start_time_seconds",
      "nodejs_heap_size_used_bytes",
      "nodejs_eventloop_lag_p99_seconds",
      "nodejs_gc_duration_seconds",
      "nodejs_version_info"
    ]) {
      expect(families.has(name), name).toBe(true)
    }
    expect(families.get("nodejs_gc_duration_seconds")?.type).toBe("HISTOGRAM")
    expect(seriesValue(families, "process_resident_memory_bytes")).toBeGreaterThan(1e6)
    // Database calls and pool waits, timed where they are made (packages/pool).
    expect(families.get("memory_turso_db_operation_duration_seconds")?.type).toBe("HISTOGRAM")
    expect(sampleOf(text, "memory_turso_db_operation_duration_seconds_count", { operation: "batch" })).toBeGreaterThan(
      0
    )
    expect(families.get("memory_turso_pool_acquire_wait_seconds")?.type).toBe("HISTOGRAM")
    // Settings are labels of one info gauge, not metrics.
    const info = families.get("memory_turso_info")
    expect(info?.type).toBe("GAUGE")
    expect(info?.metrics[0]?.value).toBe("1")
    expect(info?.metrics[0]?.labels).toMatchObject({ database_kind: "embedded", optimizations: "enabled" })
  })

  it("counts requests by method, route and status class, with latency histograms per route", async () => {
    h = await makeHarness({ env: { ENABLE_CACHE: "true" } })
    await h.request("POST", "/episodes", { episode_id: "a", task_description: "x" })
    const { families: before, text: beforeText } = await scrape(h)
    for (let i = 0; i < 3; i++) await h.request("GET", "/episodes/a")
    await h.request("GET", "/episodes/missing")
    await h.request("GET", "/no-such-route")
    const { families: after, text: afterText } = await scrape(h)
    const delta = (name: string, labels: Record<string, string>) =>
      seriesValue(after, name, labels) - seriesValue(before, name, labels)
    const route = { method: "GET", route: "/episodes/:id" }
    expect(delta("memory_turso_http_requests_total", { ...route, status_class: "2xx" })).toBe(3)
    expect(delta("memory_turso_http_requests_total", { ...route, status_class: "4xx" })).toBe(1)
    expect(delta("memory_turso_http_requests_total", { route: "unmatched", status_class: "4xx" })).toBe(1)
    expect(after.get("memory_turso_http_requests_total")?.type).toBe("COUNTER")
    expect(after.get("memory_turso_http_request_duration_seconds")?.type).toBe("HISTOGRAM")
    const histogram = (text: string, suffix: string, extra: Record<string, string> = {}) =>
      sampleOf(text, `memory_turso_http_request_duration_seconds_${suffix}`, { ...route, ...extra })
    expect(histogram(afterText, "count") - histogram(beforeText, "count")).toBe(4)
    expect(histogram(afterText, "bucket", { le: "+Inf" })).toBe(histogram(afterText, "count"))
    expect(histogram(afterText, "bucket", { le: "10" })).toBeLessThanOrEqual(histogram(afterText, "count"))
    // The cache's figures: the write went through to the cache, so the three reads are hits.
    expect(delta("memory_turso_cache_hits_total", { cache: "episodes" })).toBe(3)
    expect(after.get("memory_turso_cache_hits_total")?.type).toBe("COUNTER")
    expect(after.get("memory_turso_cache_entries")?.type).toBe("GAUGE")
    expect(seriesValue(after, "memory_turso_feature_enabled", { feature: "cache" })).toBe(1)
    expect(seriesValue(after, "memory_turso_feature_enabled", { feature: "keepalive" })).toBe(0)
  })

  it("labels namespaces from the allow-list only; others count as other", async () => {
    h = await makeHarness({
      env: {},
      configure: (c) => ({ ...c, telemetry: { ...c.telemetry, namespace_labels: ["team-a"] } })
    })
    const before = (await scrape(h)).families
    await h.request("GET", "/episodes/x", undefined, { "x-memory-namespace": "team-a" })
    await h.request("GET", "/episodes/x", undefined, { "x-memory-namespace": "team-b" })
    await h.request("GET", "/episodes/x", undefined, { "x-memory-namespace": "team-c" })
    const after = (await scrape(h)).families
    const delta = (namespace: string) =>
      seriesValue(after, "memory_turso_namespace_requests_total", { namespace }) -
      seriesValue(before, "memory_turso_namespace_requests_total", { namespace })
    expect(delta("team-a")).toBe(1)
    expect(delta("other")).toBe(2)
    const labels = after.get("memory_turso_namespace_requests_total")?.metrics.map((m) => m.labels?.["namespace"])
    expect(labels).not.toContain("team-b")
    expect(labels).not.toContain("team-c")
  })
})
