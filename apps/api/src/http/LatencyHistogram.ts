/** Bucket upper bounds in milliseconds: 5% apart from 10 us to about 2 minutes. */
const BOUNDS: ReadonlyArray<number> = (() => {
  const bounds: Array<number> = []
  for (let b = 0.01; b < 120_000; b *= 1.05) bounds.push(b)
  return bounds
})()

const bucketOf = (ms: number): number => {
  let lo = 0
  let hi = BOUNDS.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (BOUNDS[mid]! < ms) lo = mid + 1
    else hi = mid
  }
  return lo
}

/**
 * A latency histogram with fixed log-spaced buckets (5% wide): constant memory, O(log n) record, percentiles
 * within 5% of the true value.
 */
export class LatencyHistogram {
  private readonly counts = new Uint32Array(BOUNDS.length + 1)
  count = 0
  sumMs = 0
  maxMs = 0

  record(ms: number): void {
    this.counts[bucketOf(ms)]!++
    this.count++
    this.sumMs += ms
    if (ms > this.maxMs) this.maxMs = ms
  }

  /** The latency below which a fraction `q` (0..1) of samples fall; 0 when empty. */
  quantile(q: number): number {
    if (this.count === 0) return 0
    const rank = Math.max(1, Math.ceil(q * this.count))
    let seen = 0
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i]!
      if (seen >= rank) return Math.min(BOUNDS[i] ?? this.maxMs, this.maxMs)
    }
    return this.maxMs
  }
}
