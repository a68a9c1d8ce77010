/** Summary of one operation's latency samples, in milliseconds. */
export interface Distribution {
  readonly samples: number
  readonly min_ms: number
  readonly p25_ms: number
  readonly p50_ms: number
  readonly p75_ms: number
  readonly p95_ms: number
  readonly p99_ms: number
  readonly max_ms: number
  readonly mean_ms: number
  /** Every sample, in the order measured. */
  readonly samples_ms: ReadonlyArray<number>
}

const round = (ms: number) => Math.round(ms * 1000) / 1000

/** The nearest-rank quantile `q` (0 < q <= 1) of ascending `sorted` values. */
export const quantile = (sorted: ReadonlyArray<number>, q: number): number => {
  if (sorted.length === 0) return Number.NaN
  const rank = Math.max(1, Math.ceil(q * sorted.length))
  return sorted[Math.min(rank, sorted.length) - 1]!
}

/** Percentiles (nearest rank), min, max and mean of `samples`; at least one sample is required. */
export const summarize = (samples: ReadonlyArray<number>): Distribution => {
  if (samples.length === 0) throw new RangeError("summarize needs at least one sample")
  const sorted = [...samples].sort((a, b) => a - b)
  const sum = sorted.reduce((a, b) => a + b, 0)
  return {
    samples: samples.length,
    min_ms: round(sorted[0]!),
    p25_ms: round(quantile(sorted, 0.25)),
    p50_ms: round(quantile(sorted, 0.5)),
    p75_ms: round(quantile(sorted, 0.75)),
    p95_ms: round(quantile(sorted, 0.95)),
    p99_ms: round(quantile(sorted, 0.99)),
    max_ms: round(sorted[sorted.length - 1]!),
    mean_ms: round(sum / samples.length),
    samples_ms: samples.map(round)
  }
}
