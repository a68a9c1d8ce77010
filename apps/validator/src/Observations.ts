import type { Failure } from "./ApiClient.js"
import type { Distribution } from "./Distribution.js"
import { type MetricsSnapshot, requestTotals, type Section } from "./MetricsSnapshot.js"

/** Operations the validator times. `read` is the light read of `watch`. */
export type Operation = "single_read" | "cached_read" | "batch_store" | "health" | "db_health" | "read"

/** What each operation is, for tables and charts. */
export const operationLabels: Record<Operation, string> = {
  single_read: "single read (first read)",
  cached_read: "cached read (same item)",
  batch_store: "batch store (10 episodes)",
  health: "GET /health",
  db_health: "GET /db-health",
  read: "read (seeded items)"
}

/** Where a rate came from: the delta of its counters over the validator's own traffic, or the process-wide value. */
export type RateSource = "delta" | "process"

/** Everything measured by one run or one watch sample. */
export interface Observations {
  readonly operations: Partial<Record<Operation, Distribution>>
  readonly cache: Section<{
    readonly hit_rate: number
    readonly source: RateSource
    readonly process_hit_rate: number
    readonly hits: number
    readonly misses: number
    /** Cache misses counted while the single (first) reads ran; 0 means a write-through cache served them. */
    readonly single_read_misses: number | null
  }>
  readonly compression: Section<{
    readonly ratio: number
    readonly source: RateSource
    readonly process_ratio: number
    readonly bytes_in: number
    readonly bytes_out: number
  }>
  readonly pool: Section<{ readonly utilization: number; readonly timeouts_growth: number }>
  readonly keepalive: Section<{ readonly stale_rate: number }>
  readonly process: MetricsSnapshot["process"]
  readonly errors: {
    readonly own_requests: number
    readonly own_failures: number
    readonly examples: ReadonlyArray<Failure>
    /** Requests and 5xx answers of every client, from `/metrics`, over the measured window. */
    readonly server_requests: number
    readonly server_errors: number
    /** 100 * server_errors / server_requests (0 when nothing was counted). */
    readonly error_rate_pct: number
  }
}

const mapSection = <A, B>(section: Section<A>, f: (a: A) => B): Section<B> =>
  section.state === "enabled" ? { state: "enabled", value: f(section.value) } : section

const enabledValue = <A>(section: Section<A>): A | undefined =>
  section.state === "enabled" ? section.value : undefined

/** Snapshots that bound the measured traffic: before any of it, around the repeat reads, and at the end. */
export interface Window {
  readonly start: MetricsSnapshot
  readonly beforeSingleReads?: MetricsSnapshot
  readonly beforeRepeatReads?: MetricsSnapshot
  readonly afterRepeatReads?: MetricsSnapshot
  readonly end: MetricsSnapshot
}

/**
 * Derives observations from metrics snapshots. The cache hit rate is the delta of `episode_hits` /
 * `episode_misses` over the repeat reads when those counters moved, else the process-wide `hit_rate`; the
 * compression ratio is `bytes_out / bytes_in` over the whole window when `bytes_in` moved, else `ratio`.
 */
export const observe = (
  window: Window,
  operations: Partial<Record<Operation, Distribution>>,
  ledger: { readonly requests: number; readonly failures: number; readonly examples: ReadonlyArray<Failure> }
): Observations => {
  const { start, end } = window
  const cacheOf = (s: MetricsSnapshot | undefined) => (s === undefined ? undefined : enabledValue(s.cache))
  const cache = mapSection(end.cache, (last) => {
    const before = cacheOf(window.beforeRepeatReads)
    const after = cacheOf(window.afterRepeatReads)
    const hits = before !== undefined && after !== undefined ? after.episode_hits - before.episode_hits : 0
    const misses = before !== undefined && after !== undefined ? after.episode_misses - before.episode_misses : 0
    const singleBefore = cacheOf(window.beforeSingleReads)
    const single_read_misses =
      singleBefore !== undefined && before !== undefined ? before.episode_misses - singleBefore.episode_misses : null
    const delta = hits + misses > 0
    return {
      hit_rate: delta ? hits / (hits + misses) : last.hit_rate,
      source: delta ? ("delta" as const) : ("process" as const),
      process_hit_rate: last.hit_rate,
      hits,
      misses,
      single_read_misses
    }
  })
  const compression = mapSection(end.compression, (last) => {
    const first = enabledValue(start.compression)
    const bytes_in = first === undefined ? 0 : last.bytes_in - first.bytes_in
    const bytes_out = first === undefined ? 0 : last.bytes_out - first.bytes_out
    const delta = bytes_in > 0
    return {
      ratio: delta ? bytes_out / bytes_in : last.ratio,
      source: delta ? ("delta" as const) : ("process" as const),
      process_ratio: last.ratio,
      bytes_in,
      bytes_out
    }
  })
  const pool = mapSection(end.pool, (last) => {
    const first = enabledValue(start.pool)
    return {
      utilization: last.utilization,
      timeouts_growth: Math.max(0, last.timeouts - (first?.timeouts ?? last.timeouts))
    }
  })
  const before = requestTotals(start)
  const after = requestTotals(end)
  const server_requests = Math.max(0, after.count - before.count)
  const server_errors = Math.max(0, after.errors - before.errors)
  return {
    operations,
    cache,
    compression,
    pool,
    keepalive: mapSection(end.keepalive, (last) => ({ stale_rate: last.stale_rate })),
    process: end.process,
    errors: {
      own_requests: ledger.requests,
      own_failures: ledger.failures,
      examples: ledger.examples,
      server_requests,
      server_errors,
      error_rate_pct: server_requests === 0 ? 0 : (100 * server_errors) / server_requests
    }
  }
}
