/** Small statistics every section needs: percentiles, medians, latency series, and its quick-run sizes. */

import type { Latency } from "./Result.js"
import { QUICK_ENV } from "./Result.js"

/** The `q` quantile (0..1) of ascending `sorted` samples (NaN when empty). */
export const percentile = (sorted: ReadonlyArray<number>, q: number): number =>
  sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!

/** The median of `xs` (any order). */
export const median = (xs: ReadonlyArray<number>): number =>
  percentile(
    [...xs].sort((a, b) => a - b),
    0.5
  )

/** p50/p95/p99/max of latency samples in milliseconds (any order), for a comparison's `latency`. */
export const latencyOf = (name: string, samples: ReadonlyArray<number>, role?: Latency["role"]): Latency => {
  const sorted = [...samples].sort((a, b) => a - b)
  return {
    name,
    ...(role === undefined ? {} : { role }),
    p50: percentile(sorted, 0.5),
    p95: percentile(sorted, 0.95),
    p99: percentile(sorted, 0.99),
    max: sorted[sorted.length - 1] ?? Number.NaN
  }
}

/** Whether `pnpm bench` asked for the shorter run (`BENCH_QUICK=1`). */
export const isQuick = (): boolean => process.env[QUICK_ENV] === "1"

/** `quick` in a quick run, `full` otherwise. */
export const quickOr = <A>(quick: A, full: A): A => (isQuick() ? quick : full)
