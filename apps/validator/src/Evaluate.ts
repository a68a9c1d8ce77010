import type { Section } from "./MetricsSnapshot.js"
import { type Observations, type Operation, operationLabels } from "./Observations.js"
import type { Thresholds } from "./Thresholds.js"

/** Outcome of one check. For rollback triggers `fail` means the trigger fired. */
export type Status = "pass" | "fail" | "skipped" | "info"

/** One success criterion or rollback trigger, with the measured value and its threshold. */
export interface Check {
  readonly id: string
  readonly label: string
  readonly status: Status
  readonly value: number | null
  readonly measured: string
  readonly threshold: string
  readonly note?: string
}

/** What a baseline report contributes: p50 per operation and the error rate. */
export interface Baseline {
  readonly source: string
  readonly run_id: string
  readonly operations: Readonly<Record<string, { readonly p50_ms: number }>>
  readonly error_rate_pct: number
}

/** Formats milliseconds for humans. */
export const ms = (value: number) =>
  `${value < 10 ? value.toFixed(3) : value < 100 ? value.toFixed(1) : value.toFixed(0)} ms`
const fraction = (value: number) => value.toFixed(3)
const gib = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(2)} GiB`
const mib = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(1)} MiB`

const skippedBy = (section: Section<unknown>): string =>
  section.state === "disabled" ? "skipped (feature disabled)" : "skipped (section not published by /metrics)"

const skip = (id: string, label: string, threshold: string, note: string): Check => ({
  id,
  label,
  status: "skipped",
  value: null,
  measured: "-",
  threshold,
  note
})

const judge = (
  id: string,
  label: string,
  value: number,
  ok: boolean,
  measured: string,
  threshold: string,
  note?: string
): Check => ({ id, label, status: ok ? "pass" : "fail", value, measured, threshold, ...(note ? { note } : {}) })

const latency = (observations: Observations, op: Operation, id: string, label: string, max: number): Check => {
  const d = observations.operations[op]
  if (d === undefined) return skip(id, label, `< ${ms(max)}`, "not measured")
  return judge(
    id,
    label,
    d.p50_ms,
    d.p50_ms < max,
    `p50 ${ms(d.p50_ms)}`,
    `< ${ms(max)}`,
    `p95 ${ms(d.p95_ms)}, p99 ${ms(d.p99_ms)}, max ${ms(d.max_ms)}, n=${d.samples}`
  )
}

type CacheValue = Extract<Observations["cache"], { state: "enabled" }>["value"]

/** What the hit rate of a run or a watch sample was measured over. */
export type HitRateScope = "run" | "watch"

const hitRateNote = (c: CacheValue, scope: HitRateScope) =>
  `Δepisode_hits / Δepisode_lookups ${scope === "run" ? "over the hit-rate phase (every seeded item read several times)" : "since the previous sample"} (${c.hits} hits, ${c.misses} misses); process-wide ${fraction(c.process_hit_rate)}`

const noLookups = (scope: HitRateScope) =>
  `skipped (episode_hits/episode_misses did not move ${scope === "run" ? "during the hit-rate phase" : "since the previous sample"})`

/** The hit rate a trigger judges, or why there is none. */
export const hitRateOf = (o: Observations, scope: HitRateScope): { value: number; note: string } | { skip: string } => {
  if (o.cache.state !== "enabled") return { skip: skippedBy(o.cache) }
  const c = o.cache.value
  return c.hit_rate === null ? { skip: noLookups(scope) } : { value: c.hit_rate, note: hitRateNote(c, scope) }
}

const SINGLE_READ_ID = "single_read_p50"
const SINGLE_READ_LABEL = "single read p50"

/**
 * The single (uncached) read criterion. With a cache that counted no miss during the first reads (a write-through
 * cache already held the items), those reads were not uncached: skipped rather than judged.
 */
const singleRead = (o: Observations, t: Thresholds): Check => {
  const check = latency(o, "single_read", SINGLE_READ_ID, SINGLE_READ_LABEL, t.single_read_p50_ms_max)
  const misses = o.cache.state === "enabled" ? o.cache.value.single_read_misses : null
  if (misses === null || check.status === "skipped") return check
  const reads = o.operations.single_read?.samples ?? 0
  if (misses === 0)
    return skip(
      SINGLE_READ_ID,
      SINGLE_READ_LABEL,
      check.threshold,
      `skipped (not an uncached read: none of the ${reads} first reads missed the cache; p50 ${ms(check.value ?? 0)})`
    )
  return { ...check, note: `${check.note}; ${misses} of ${reads} first reads missed the cache` }
}

/** The success criteria, in report order. */
export const criteria = (o: Observations, t: Thresholds): ReadonlyArray<Check> => {
  const checks: Array<Check> = []
  const hitLabel = "cache hit rate"
  const hit = hitRateOf(o, "run")
  checks.push(
    "value" in hit
      ? judge(
          "cache_hit_rate",
          hitLabel,
          hit.value,
          hit.value > t.cache_hit_rate_min,
          fraction(hit.value),
          `> ${fraction(t.cache_hit_rate_min)}`,
          hit.note
        )
      : skip("cache_hit_rate", hitLabel, `> ${fraction(t.cache_hit_rate_min)}`, hit.skip)
  )
  checks.push(singleRead(o, t))
  checks.push(latency(o, "cached_read", "cached_read_p50", "cached read p50", t.cached_read_p50_ms_max))
  checks.push(latency(o, "batch_store", "batch_store_p50", "batch store (10) p50", t.batch_store_p50_ms_max))
  checks.push(
    o.keepalive.state === "enabled"
      ? judge(
          "stale_rate",
          "connection stale rate",
          o.keepalive.value.stale_rate,
          o.keepalive.value.stale_rate < t.stale_rate_max,
          fraction(o.keepalive.value.stale_rate),
          `< ${fraction(t.stale_rate_max)}`,
          "keepalive.stale_rate (process-wide)"
        )
      : skip("stale_rate", "connection stale rate", `< ${fraction(t.stale_rate_max)}`, skippedBy(o.keepalive))
  )
  checks.push(
    o.compression.state === "enabled"
      ? judge(
          "compression_ratio",
          "compression ratio",
          o.compression.value.ratio,
          o.compression.value.ratio <= t.compression_ratio_max,
          fraction(o.compression.value.ratio),
          `<= ${fraction(t.compression_ratio_max)}`,
          o.compression.value.source === "delta"
            ? `bytes_out/bytes_in over the validator's writes (${o.compression.value.bytes_out}/${o.compression.value.bytes_in}); process-wide ${fraction(o.compression.value.process_ratio)}`
            : "process-wide compression.ratio (bytes_in did not move)"
        )
      : skip(
          "compression_ratio",
          "compression ratio",
          `<= ${fraction(t.compression_ratio_max)}`,
          skippedBy(o.compression)
        )
  )
  const e = o.errors
  const errors = e.total
  const examples = e.examples
    .slice(0, 3)
    .map((f) => `${f.method} ${f.path} -> ${f.status}`)
    .join(", ")
  checks.push(
    judge(
      "errors",
      "errors",
      errors,
      errors <= t.errors_max,
      `${errors}`,
      `<= ${t.errors_max}`,
      `${e.own_failures} non-2xx of ${e.own_requests} own requests, plus ${errors - e.own_failures} 5xx of other clients (5xx in /metrics grew by ${e.server_errors}, ${e.own_server_errors} of them the validator's)${examples ? `; e.g. ${examples}` : ""}`
    )
  )
  const single = o.operations.single_read
  const cached = o.operations.cached_read
  if (single !== undefined && cached !== undefined && cached.p50_ms > 0)
    checks.push({
      id: "cached_speedup",
      label: "cached read speedup",
      status: "info",
      value: single.p50_ms / cached.p50_ms,
      measured: `${(single.p50_ms / cached.p50_ms).toFixed(2)}x`,
      threshold: "-",
      note: "single read p50 / cached read p50"
    })
  if (o.cache.state === "enabled" && o.cache.value.single_read_misses !== null)
    checks.push({
      id: "single_read_misses",
      label: "cache misses during first reads",
      status: "info",
      value: o.cache.value.single_read_misses,
      measured: `${o.cache.value.single_read_misses}`,
      threshold: "-",
      note: `of ${single?.samples ?? 0} first reads${o.cache.value.single_read_misses === 0 ? ": the cache already held them (write-through), so the single read criterion is skipped" : ""}`
    })
  if (o.pool.state === "enabled")
    checks.push({
      id: "pool_utilization",
      label: "pool utilization",
      status: "info",
      value: o.pool.value.utilization,
      measured: fraction(o.pool.value.utilization),
      threshold: "-",
      note: "pool.utilization at the end of the run"
    })
  return checks
}

/** How current operations map to the baseline's: `run` compares like with like; `watch` reads against single reads. */
export const baselineOperation: Record<Operation, string> = {
  single_read: "single_read",
  cached_read: "cached_read",
  batch_store: "batch_store",
  health: "health",
  db_health: "db_health",
  read: "single_read"
}

/** The rollback triggers, in report order. RSS, hit rate and pool timeouts apply without a baseline too. */
export const triggers = (
  o: Observations,
  t: Thresholds,
  baseline: Baseline | undefined,
  scope: HitRateScope = "run"
): ReadonlyArray<Check> => {
  const checks: Array<Check> = []
  const points = `> +${t.rollback_error_rate_points} points`
  if (baseline === undefined) checks.push(skip("error_rate", "error rate increase", points, "skipped (no --baseline)"))
  else if (o.errors.rate_requests < t.rollback_error_rate_min_requests)
    checks.push(
      skip(
        "error_rate",
        "error rate increase",
        points,
        `skipped (${o.errors.rate_requests} requests in the window, fewer than rollback_error_rate_min_requests ${t.rollback_error_rate_min_requests})`
      )
    )
  else {
    const increase = o.errors.error_rate_pct - baseline.error_rate_pct
    checks.push({
      id: "error_rate",
      label: "error rate increase",
      status: increase > t.rollback_error_rate_points ? "fail" : "pass",
      value: increase,
      measured: `${o.errors.error_rate_pct.toFixed(2)}% (baseline ${baseline.error_rate_pct.toFixed(2)}%)`,
      threshold: points,
      note: `5xx / requests in /metrics over the window (${o.errors.rate_errors}/${o.errors.rate_requests})`
    })
  }
  for (const [op, d] of Object.entries(o.operations) as Array<
    [Operation, NonNullable<Observations["operations"][Operation]>]
  >) {
    const id = `p50_slowdown.${op}`
    const label = `p50 slowdown: ${operationLabels[op]}`
    const threshold = `> ${t.rollback_p50_factor}x and > +${ms(t.rollback_p50_min_increase_ms)}`
    const reference = baseline?.operations[baselineOperation[op]]
    if (baseline === undefined) checks.push(skip(id, label, threshold, "skipped (no --baseline)"))
    else if (reference === undefined)
      checks.push(skip(id, label, threshold, `skipped (the baseline has no ${baselineOperation[op]})`))
    else {
      const factor = reference.p50_ms > 0 ? d.p50_ms / reference.p50_ms : Number.POSITIVE_INFINITY
      const fired = factor > t.rollback_p50_factor && d.p50_ms - reference.p50_ms > t.rollback_p50_min_increase_ms
      checks.push({
        id,
        label,
        status: fired ? "fail" : "pass",
        value: factor,
        measured: `${ms(d.p50_ms)} (baseline ${baselineOperation[op]} ${ms(reference.p50_ms)}, ${factor.toFixed(2)}x)`,
        threshold
      })
    }
  }
  checks.push({
    id: "rss",
    label: "process RSS",
    status: o.process.rss_bytes > t.rollback_rss_bytes_max ? "fail" : "pass",
    value: o.process.rss_bytes,
    measured: mib(o.process.rss_bytes),
    threshold: `> ${gib(t.rollback_rss_bytes_max)}`,
    note: "process.rss_bytes"
  })
  const floor = `< ${fraction(t.rollback_cache_hit_rate_min)}`
  const hitRate = hitRateOf(o, scope)
  checks.push(
    "value" in hitRate
      ? {
          id: "cache_hit_rate_floor",
          label: "cache hit rate floor",
          status: hitRate.value < t.rollback_cache_hit_rate_min ? "fail" : "pass",
          value: hitRate.value,
          measured: fraction(hitRate.value),
          threshold: floor,
          note: hitRate.note
        }
      : skip("cache_hit_rate_floor", "cache hit rate floor", floor, hitRate.skip)
  )
  const grew = `> ${t.rollback_pool_timeouts_max}`
  checks.push(
    o.pool.state === "enabled"
      ? {
          id: "pool_timeouts",
          label: "pool timeouts (growth)",
          status: o.pool.value.timeouts_growth > t.rollback_pool_timeouts_max ? "fail" : "pass",
          value: o.pool.value.timeouts_growth,
          measured: `${o.pool.value.timeouts_growth}`,
          threshold: grew,
          note: "growth of pool.timeouts over the window"
        }
      : skip("pool_timeouts", "pool timeouts (growth)", grew, skippedBy(o.pool))
  )
  return checks
}
