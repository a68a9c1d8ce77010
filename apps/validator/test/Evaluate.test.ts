import { describe, expect, it } from "@effect/vitest"
import { summarize } from "../src/Distribution.js"
import { type Baseline, type Check, criteria, triggers } from "../src/Evaluate.js"
import { type Observations, observe } from "../src/Observations.js"
import { verdict } from "../src/Report.js"
import { defaults, type Thresholds } from "../src/Thresholds.js"
import { snapshot } from "./support/contract.js"
import { route } from "./support/metricsBody.js"

const flat = (ms: number) => summarize(Array.from({ length: 10 }, () => ms))

/**
 * Observations of a healthy run: 10 single reads at 2 ms (1 missed the cache), cached 0.5 ms, batches 20 ms, hit rate
 * 0.9 over the hit-rate phase, 100 requests in /metrics with 1 5xx.
 */
const healthy = (
  edit: {
    start?: (b: any) => void
    end?: (b: any) => void
    afterFirst?: (b: any) => void
    ops?: Partial<Record<string, number>>
    ownServerErrors?: number
    ledger?: { requests: number; failures: number }
  } = {}
) => {
  const start = snapshot((b) => {
    b.cache.episode_hits = 0
    b.cache.episode_misses = 0
    b.compression.bytes_in = 0
    b.compression.bytes_out = 0
    edit.start?.(b)
  })
  const end = snapshot((b) => {
    b.cache.episode_hits = 9
    b.cache.episode_misses = 1
    b.compression.bytes_in = 10_000
    b.compression.bytes_out = 3_000
    b.requests["GET /health"] = route(103, 1)
    edit.end?.(b)
  })
  const afterFirst = snapshot((b) => {
    b.cache.episode_hits = 0
    b.cache.episode_misses = 1
    edit.afterFirst?.(b)
  })
  const ops = { single_read: 2, cached_read: 0.5, batch_store: 20, health: 1, db_health: 1, ...edit.ops }
  return observe(
    {
      start,
      end,
      reads: { from: start, to: end },
      firstReads: { from: start, to: afterFirst },
      ownServerErrors: edit.ownServerErrors ?? 0
    },
    Object.fromEntries(Object.entries(ops).map(([k, v]) => [k, flat(v!)])),
    { examples: [], ...(edit.ledger ?? { requests: 50, failures: 0 }) }
  )
}

const byId = (checks: ReadonlyArray<Check>, id: string) => {
  const found = checks.find((c) => c.id === id)
  if (found === undefined) throw new Error(`no check ${id}`)
  return found
}

const status = (o: Observations, id: string, t: Partial<Thresholds> = {}) =>
  byId(criteria(o, { ...defaults, ...t }), id).status

describe("criteria", () => {
  it("a healthy run passes every criterion with the defaults", () => {
    const checks = criteria(healthy(), defaults)
    expect(checks.filter((c) => c.status === "fail")).toEqual([])
    expect(byId(checks, "cache_hit_rate")).toMatchObject({ value: 0.9, measured: "0.900", threshold: "> 0.800" })
    expect(byId(checks, "cache_hit_rate").note).toContain(
      "Δepisode_hits / Δepisode_lookups over the hit-rate phase (every seeded item read several times) (9 hits, 1 misses)"
    )
    expect(byId(checks, "single_read_p50").note).toContain("1 of 10 first reads missed the cache")
    expect(byId(checks, "compression_ratio").value).toBeCloseTo(0.3)
  })

  it("every criterion threshold changes the outcome", () => {
    const o = healthy()
    expect(status(o, "cache_hit_rate", { cache_hit_rate_min: 0.9 })).toBe("fail") // strictly above
    expect(status(o, "single_read_p50", { single_read_p50_ms_max: 2 })).toBe("fail") // strictly below
    expect(status(o, "single_read_p50", { single_read_p50_ms_max: 2.001 })).toBe("pass")
    expect(status(o, "cached_read_p50", { cached_read_p50_ms_max: 0.5 })).toBe("fail")
    expect(status(o, "batch_store_p50", { batch_store_p50_ms_max: 19 })).toBe("fail")
    expect(status(o, "compression_ratio", { compression_ratio_max: 0.3 })).toBe("pass") // at most
    expect(status(o, "compression_ratio", { compression_ratio_max: 0.29 })).toBe("fail")
    const oneError = healthy({ end: (b) => (b.requests["GET /health"] = route(103, 2)) })
    expect(status(oneError, "errors", { errors_max: 0 })).toBe("fail") // a 5xx grew in /metrics
    expect(status(oneError, "errors", { errors_max: 1 })).toBe("pass")
    const stale = healthy({ end: (b) => (b.keepalive.stale_rate = 0.05) })
    expect(status(stale, "stale_rate")).toBe("fail")
    expect(status(stale, "stale_rate", { stale_rate_max: 0.06 })).toBe("pass")
  })

  it("a disabled or unpublished feature is skipped, not failed", () => {
    const o = healthy({
      end: (b) => {
        b.cache = { enabled: false }
        delete b.keepalive
        b.compression = { enabled: false }
      }
    })
    expect(byId(criteria(o, defaults), "cache_hit_rate")).toMatchObject({
      status: "skipped",
      note: "skipped (feature disabled)"
    })
    expect(byId(criteria(o, defaults), "stale_rate")).toMatchObject({
      status: "skipped",
      note: "skipped (section not published by /metrics)"
    })
    expect(status(o, "compression_ratio")).toBe("skipped")
  })

  it("hit/miss counters that did not move skip the hit rate (never the process-wide value in its place)", () => {
    const o = healthy({
      end: (b) => {
        b.cache.episode_hits = 0
        b.cache.episode_misses = 0
        b.cache.hit_rate = 0.42
      }
    })
    const note = "skipped (episode_hits/episode_misses did not move during the hit-rate phase)"
    expect(byId(criteria(o, defaults), "cache_hit_rate")).toMatchObject({ status: "skipped", note })
    expect(byId(triggers(o, defaults, undefined), "cache_hit_rate_floor")).toMatchObject({ status: "skipped", note })
  })

  it("first reads that all hit (write-through) are not uncached: the single read criterion is skipped, not passed", () => {
    const o = healthy({
      afterFirst: (b) => {
        b.cache.episode_misses = 0
        b.cache.episode_hits = 10
      }
    })
    expect(byId(criteria(o, { ...defaults, single_read_p50_ms_max: 1 }), "single_read_p50")).toMatchObject({
      status: "skipped",
      note: "skipped (not an uncached read: none of the 10 first reads missed the cache; p50 2.000 ms)"
    })
    expect(byId(criteria(o, defaults), "single_read_misses")).toMatchObject({ value: 0 })
    // Without a cache every read is uncached: judged.
    const noCache = healthy({ end: (b) => (b.cache = { enabled: false }) })
    expect(status(noCache, "single_read_p50", { single_read_p50_ms_max: 1 })).toBe("fail")
  })

  it("errors count the validator's own 5xx once: own non-2xx plus the 5xx growth beyond its own", () => {
    // /metrics: 1 5xx at the start, 7 at the end (6 more); 6 own non-2xx, 5 of them 5xx inside the window.
    const mixed = healthy({
      end: (b) => (b.requests["GET /health"] = route(103, 7)),
      ownServerErrors: 5,
      ledger: { requests: 50, failures: 6 }
    })
    expect(byId(criteria(mixed, { ...defaults, errors_max: 100 }), "errors")).toMatchObject({ value: 7 })
    expect(byId(criteria(mixed, defaults), "errors").note).toContain(
      "6 non-2xx of 50 own requests, plus 1 5xx of other clients (5xx in /metrics grew by 6, 5 of them the validator's)"
    )
    const onlyOwn = healthy({
      end: (b) => (b.requests["GET /health"] = route(103, 6)),
      ownServerErrors: 5,
      ledger: { requests: 50, failures: 6 }
    })
    expect(byId(criteria(onlyOwn, defaults), "errors").value).toBe(6)
  })
})

describe("rollback triggers", () => {
  const baseline: Baseline = {
    source: "b.json",
    run_id: "base",
    operations: { single_read: { p50_ms: 2 }, cached_read: { p50_ms: 0.5 }, batch_store: { p50_ms: 20 } },
    error_rate_pct: 0
  }
  const fired = (o: Observations, b: Baseline | undefined, t: Partial<Thresholds> = {}) =>
    triggers(o, { ...defaults, ...t }, b)
      .filter((c) => c.status === "fail")
      .map((c) => c.id)

  it("without a baseline only RSS, hit rate and pool timeouts apply", () => {
    const checks = triggers(healthy(), defaults, undefined)
    expect(byId(checks, "error_rate").status).toBe("skipped")
    expect(byId(checks, "p50_slowdown.single_read").status).toBe("skipped")
    expect(["rss", "cache_hit_rate_floor", "pool_timeouts"].map((id) => byId(checks, id).status)).toEqual([
      "pass",
      "pass",
      "pass"
    ])
  })

  it("p50 slowdown fires above the factor and the noise floor, per operation", () => {
    const slow = healthy({ ops: { single_read: 4.5, cached_read: 1.2 } })
    expect(fired(slow, baseline)).toEqual(["p50_slowdown.single_read"]) // cached: 2.4x but only +0.7 ms
    expect(fired(slow, baseline, { rollback_p50_min_increase_ms: 0 })).toEqual([
      "p50_slowdown.single_read",
      "p50_slowdown.cached_read"
    ])
    expect(fired(slow, baseline, { rollback_p50_factor: 3 })).toEqual([])
    expect(byId(triggers(slow, defaults, baseline), "p50_slowdown.health").note).toBe(
      "skipped (the baseline has no health)"
    )
  })

  it("error rate fires when it rose by more than the points against the baseline", () => {
    // 1 more error in 100 more requests = 1 %
    const oneError = healthy({ end: (b) => (b.requests["GET /health"] = route(103, 2)) })
    expect(byId(triggers(oneError, defaults, baseline), "error_rate").note).toContain("(1/100)")
    expect(fired(oneError, { ...baseline, error_rate_pct: 0 }, { rollback_error_rate_points: 0.99 })).toEqual([
      "error_rate"
    ])
    expect(fired(oneError, { ...baseline, error_rate_pct: 0 })).toEqual([])
    expect(fired(oneError, { ...baseline, error_rate_pct: 0.5 }, { rollback_error_rate_points: 0.99 })).toEqual([])
    const bad = healthy({ end: (b) => (b.requests["GET /health"] = route(110, 10)) })
    expect(fired(bad, baseline)).toEqual(["error_rate"])
  })

  it("the error rate needs rollback_error_rate_min_requests requests in its window", () => {
    // 9 errors in 107 requests (8.4 %) fires with the default minimum of 100; one 5xx in 11 requests never does.
    const bad = healthy({ end: (b) => (b.requests["GET /health"] = route(110, 10)) })
    expect(fired(bad, baseline)).toEqual(["error_rate"])
    expect(fired(bad, baseline, { rollback_error_rate_min_requests: 108 })).toEqual([])
    expect(
      byId(triggers(bad, { ...defaults, rollback_error_rate_min_requests: 108 }, baseline), "error_rate")
    ).toMatchObject({
      status: "skipped",
      note: "skipped (107 requests in the window, fewer than rollback_error_rate_min_requests 108)"
    })
    const few = healthy({ end: (b) => (b.requests["GET /health"] = route(14, 2)) })
    expect(byId(triggers(few, defaults, baseline), "error_rate").status).toBe("skipped")
    expect(fired(few, baseline, { rollback_error_rate_min_requests: 0 })).toEqual(["error_rate"])
  })

  it("RSS, hit-rate floor and pool timeouts fire on their thresholds", () => {
    const big = healthy({ end: (b) => (b.process.rss_bytes = 3 * 1024 ** 3 + 1) })
    expect(fired(big, undefined)).toEqual(["rss"])
    expect(fired(big, undefined, { rollback_rss_bytes_max: 4 * 1024 ** 3 })).toEqual([])
    const cold = healthy({
      end: (b) => {
        b.cache.episode_hits = 2
        b.cache.episode_misses = 8
      }
    })
    expect(fired(cold, undefined)).toEqual(["cache_hit_rate_floor"])
    expect(fired(cold, undefined, { rollback_cache_hit_rate_min: 0.2 })).toEqual([])
    const timeouts = healthy({ end: (b) => (b.pool.timeouts = 2) })
    expect(fired(timeouts, undefined)).toEqual(["pool_timeouts"])
    expect(fired(timeouts, undefined, { rollback_pool_timeouts_max: 2 })).toEqual([])
  })

  it("a fired trigger wins over a failed criterion in the exit code", () => {
    const fail: Check = { id: "x", label: "x", status: "fail", value: 1, measured: "1", threshold: "0" }
    const pass: Check = { ...fail, status: "pass" }
    expect(verdict([pass], [pass])).toEqual({ outcome: "pass", exit_code: 0 })
    expect(verdict([fail], [pass])).toEqual({ outcome: "fail", exit_code: 1 })
    expect(verdict([fail], [fail])).toEqual({ outcome: "rollback", exit_code: 2 })
  })
})
