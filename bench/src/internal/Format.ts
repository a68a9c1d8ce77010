/** How a run's figures are written for a reader (markdown and charts share it). */

/** A figure with three significant digits or so, no exponent. */
export const formatNumber = (n: number): string => {
  if (!Number.isFinite(n)) return String(n)
  const abs = Math.abs(n)
  if (Number.isInteger(n) || abs >= 100) return Math.round(n).toLocaleString("en-US")
  if (abs >= 1) return n.toFixed(2)
  if (abs === 0) return "0"
  return n.toPrecision(3)
}

/** A value with its unit ("45,700 req/s"). */
export const withUnit = (value: number, unit: string) => `${formatNumber(value)} ${unit}`.trim()

/** A throughput is a rate: its unit ends in "/s". */
export const isThroughput = (unit: string) => unit.endsWith("/s")

/** A ratio as printed ("1.05x"); one whose baseline is 0 (not finite, `null` once read back from JSON) as "n/a". */
export const formatRatio = (ratio: number | null): string =>
  ratio === null || !Number.isFinite(ratio) ? "n/a" : `${formatNumber(ratio)}x`
