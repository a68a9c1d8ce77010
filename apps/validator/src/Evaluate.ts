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

const hitRateNote = (c: Extract<Observations["cache"], { state: "enabled" }>["value"]) =>
  c.source === "delta"
    ? `delta over the validator's repeat reads (${c.hits} hits, ${c.misses} misses); process-wide ${fraction(c.process_hit_rate)}`
    : `process-wide cache.hit_rate (the episode hit/miss counters did not move)`

/** The success criteria, in report order. */
export const criteria = (o: Observations, t: Thresholds): ReadonlyArray<Check> => {
  const checks: Array<Check> = []
  const hitLabel = "cache hit rate"
  checks.push(
    o.cache.state === "enabled"
      ? judge(
          "cache_hit_rate",
          hitLabel,
          o.cache.value.hit_rate,
          o.cache.value.hit_rate > t.cache_hit_rate_min,
          fraction(o.cache.value.hit_rate),
          `> ${fraction(t.cache_hit_rate_min)}`,
          hitRateNote(o.cache.value)
        )
      : skip("cache_hit_rate", hitLabel, `> ${fraction(t.cache_hit_rate_min)}`, skippedBy(o.cache))
  )
  checks.push(latency(o, "single_read", "single_read_p50", "single read p50", t.single_read_p50_ms_max))
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
  const errors = e.own_failures + e.server_errors
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
      `${e.own_failures} non-2xx of ${e.own_requests} own requests; 5xx in /metrics grew by ${e.server_errors}${examples ? `; e.g. ${examples}` : ""}`
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
      label: "cache misses during single reads",
      status: "info",
      value: o.cache.value.single_read_misses,
      measured: `${o.cache.value.single_read_misses}`,
      threshold: "-",
      note: `of ${single?.samples ?? 0} first reads${o.cache.value.single_read_misses === 0 ? ": the cache already held them (write-through), so single reads were not uncached" : ""}`
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
  hitRate: { readonly value: number; readonly note: string } | undefined = o.cache.state === "enabled"
    ? { value: o.cache.value.hit_rate, note: hitRateNote(o.cache.value) }
    : undefined
): ReadonlyArray<Check> => {
  const checks: Array<Check> = []
  const points = `> +${t.rollback_error_rate_points} points`
  if (baseline === undefined) checks.push(skip("error_rate", "error rate increase", points, "skipped (no --baseline)"))
  else {
    const increase = o.errors.error_rate_pct - baseline.error_rate_pct
    checks.push({
      id: "error_rate",
      label: "error rate increase",
      status: increase > t.rollback_error_rate_points ? "fail" : "pass",
      value: increase,
      measured: `${o.errors.error_rate_pct.toFixed(2)}% (baseline ${baseline.error_rate_pct.toFixed(2)}%)`,
      threshold: points,
      note: `5xx / requests in /metrics over the window (${o.errors.server_errors}/${o.errors.server_requests})`
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
  checks.push(
    hitRate !== undefined
      ? {
          id: "cache_hit_rate_floor",
          label: "cache hit rate floor",
          status: hitRate.value < t.rollback_cache_hit_rate_min ? "fail" : "pass",
          value: hitRate.value,
          measured: fraction(hitRate.value),
          threshold: floor,
          note: hitRate.note
        }
      : skip("cache_hit_rate_floor", "cache hit rate floor", floor, skippedBy(o.cache))
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
