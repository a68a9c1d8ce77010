import * as Either from "effect/Either"
import type { Failure } from "./ApiClient.js"
import type { Distribution } from "./Distribution.js"
import { type MetricsSnapshot, requestTotals, type Section } from "./MetricsSnapshot.js"
import { ApiGarbage } from "./ValidatorError.js"

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

/** Everything measured by one run or one watch sample. */
export interface Observations {
  readonly operations: Partial<Record<Operation, Distribution>>
  readonly cache: Section<{
    /**
     * `Δepisode_hits / (Δepisode_hits + Δepisode_misses)` over the reads window (run: the hit-rate phase; watch: since
     * the previous sample); null when those counters did not move.
     */
    readonly hit_rate: number | null
    readonly hits: number
    readonly misses: number
    readonly process_hit_rate: number
    /** Cache misses counted during the first read of each seeded item (run only; null in watch). */
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
    /** The validator's own unexpected answers (non-2xx; a 404 of a cleanup DELETE is expected). */
    readonly own_failures: number
    /** The validator's own 5xx answers between the start and end snapshots (also in the /metrics growth). */
    readonly own_server_errors: number
    readonly examples: ReadonlyArray<Failure>
    /** Requests and 5xx answers of every client, from `/metrics`, over the measured window. */
    readonly server_requests: number
    readonly server_errors: number
    /** own_failures + 5xx of other clients: max(0, server_errors - own_server_errors). Nothing is counted twice. */
    readonly total: number
    /** Requests and 5xx behind the error rate (the rate's own window; in watch it may span several samples). */
    readonly rate_requests: number
    readonly rate_errors: number
    /** 100 * rate_errors / rate_requests (0 when nothing was counted). */
    readonly error_rate_pct: number
  }
}

/** Where a ratio came from: the delta of its counters over the validator's own traffic, or the process-wide value. */
export type RateSource = "delta" | "process"

const mapSection = <A, B>(section: Section<A>, f: (a: A) => B): Section<B> =>
  section.state === "enabled" ? { state: "enabled", value: f(section.value) } : section

const enabledValue = <A>(section: Section<A>): A | undefined =>
  section.state === "enabled" ? section.value : undefined

/** Two snapshots bounding some traffic. */
export interface Span {
  readonly from: MetricsSnapshot
  readonly to: MetricsSnapshot
}

/** Snapshots that bound the measured traffic, and the validator's own 5xx answers between `start` and `end`. */
export interface Window {
  readonly start: MetricsSnapshot
  readonly end: MetricsSnapshot
  /** The reads the cache hit rate is measured over (absent: no such phase, the hit rate is null). */
  readonly reads?: Span
  /** The first read of each seeded item (run only). */
  readonly firstReads?: Span
  /** The error rate's window (default: start to end). */
  readonly errorRate?: Span
  readonly ownServerErrors: number
}

const cacheDelta = (span: Span | undefined) => {
  const from = span === undefined ? undefined : enabledValue(span.from.cache)
  const to = span === undefined ? undefined : enabledValue(span.to.cache)
  if (from === undefined || to === undefined) return undefined
  return { hits: to.episode_hits - from.episode_hits, misses: to.episode_misses - from.episode_misses }
}

/**
 * Derives observations from metrics snapshots. The cache hit rate is the delta of `episode_hits` / `episode_misses`
 * over `window.reads` (null when they did not move); the compression ratio is `bytes_out / bytes_in` over the whole
 * window when `bytes_in` moved, else `ratio`. Snapshots must come from one API process (see {@link continuity}).
 */
export const observe = (
  window: Window,
  operations: Partial<Record<Operation, Distribution>>,
  ledger: {
    readonly requests: number
    readonly failures: number
    readonly examples: ReadonlyArray<Failure>
  }
): Observations => {
  const { start, end } = window
  const cache = mapSection(end.cache, (last) => {
    const reads = cacheDelta(window.reads)
    const first = cacheDelta(window.firstReads)
    const lookups = reads === undefined ? 0 : reads.hits + reads.misses
    return {
      hit_rate: reads !== undefined && lookups > 0 ? reads.hits / lookups : null,
      hits: reads?.hits ?? 0,
      misses: reads?.misses ?? 0,
      process_hit_rate: last.hit_rate,
      single_read_misses: first === undefined ? null : first.misses
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
  const server_requests = after.count - before.count
  const server_errors = after.errors - before.errors
  const rateSpan = window.errorRate ?? { from: start, to: end }
  const rateFrom = requestTotals(rateSpan.from)
  const rateTo = requestTotals(rateSpan.to)
  const rate_requests = rateTo.count - rateFrom.count
  const rate_errors = rateTo.errors - rateFrom.errors
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
      own_server_errors: window.ownServerErrors,
      examples: ledger.examples,
      server_requests,
      server_errors,
      total: ledger.failures + Math.max(0, server_errors - window.ownServerErrors),
      rate_requests,
      rate_errors,
      error_rate_pct: rate_requests === 0 ? 0 : (100 * rate_errors) / rate_requests
    }
  }
}

/** Every cumulative counter the validator reads, by name, for {@link continuity}. */
const counters = (s: MetricsSnapshot): ReadonlyArray<readonly [string, number]> => {
  const out: Array<readonly [string, number]> = [["process.uptime_s", s.process.uptime_s]]
  const cache = enabledValue(s.cache)
  if (cache) out.push(["cache.episode_hits", cache.episode_hits], ["cache.episode_misses", cache.episode_misses])
  const compression = enabledValue(s.compression)
  if (compression)
    out.push(["compression.bytes_in", compression.bytes_in], ["compression.bytes_out", compression.bytes_out])
  const pool = enabledValue(s.pool)
  if (pool) out.push(["pool.timeouts", pool.timeouts])
  for (const [route, r] of Object.entries(s.requests))
    out.push(
      [`requests[${JSON.stringify(route)}].count`, r.count],
      [`requests[${JSON.stringify(route)}].errors`, r.errors]
    )
  return out
}

/**
 * Checks that `after` was taken from the same API process as `before`: `process.uptime_s` and every cumulative
 * counter (cache hits/misses, compression bytes, pool timeouts, per-route requests and 5xx; a route that vanished
 * counts as a decrease) must not go down. Otherwise the API restarted in between and no delta means anything.
 */
export const continuity = (before: MetricsSnapshot, after: MetricsSnapshot): Either.Either<void, ApiGarbage> => {
  const now = new Map(counters(after))
  for (const [name, was] of counters(before)) {
    const is = now.get(name)
    // A section switched off in between is a different configuration, hence a restart too.
    if (is === undefined || is < was)
      return Either.left(
        new ApiGarbage({
          endpoint: "GET /metrics",
          detail: `the API restarted during the window (${name} went from ${was} to ${is ?? "absent"}); rerun the validation`
        })
      )
  }
  return Either.void
}
