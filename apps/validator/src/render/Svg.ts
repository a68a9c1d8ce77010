import type { Distribution } from "../Distribution.js"
import { ms } from "../Evaluate.js"
import { type Operation, operationLabels } from "../Observations.js"

/** A threshold drawn on an operation's row. */
export interface Limit {
  readonly operation: Operation
  readonly ms: number
}

const WIDTH = 960
const LEFT = 220
const RIGHT = 40
const ROW = 64
const TOP = 56

const xml = (text: string) =>
  text.replace(/[<>&"]/g, (c) => (c === "<" ? "&lt;" : c === ">" ? "&gt;" : c === "&" ? "&amp;" : "&quot;"))

/**
 * Box plots of latency distributions on a log scale: whiskers min..max, box p25..p75, a thick median (p50),
 * ticks at p95 and p99, every sample as a faint dot, and the criterion's threshold as a dashed red line.
 */
export const render = (
  title: string,
  operations: Partial<Record<Operation, Distribution>>,
  limits: ReadonlyArray<Limit> = []
): string => {
  const rows = Object.entries(operations) as Array<[Operation, Distribution]>
  const values = rows.flatMap(([op, d]) => [
    d.min_ms,
    d.max_ms,
    ...limits.filter((l) => l.operation === op).map((l) => l.ms)
  ])
  const lo = 10 ** Math.floor(Math.log10(Math.max(0.001, Math.min(...values, 1))))
  const hi = 10 ** Math.ceil(Math.log10(Math.max(...values, lo * 10)))
  const x = (v: number) =>
    LEFT + ((Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * (WIDTH - LEFT - RIGHT)
  const height = TOP + rows.length * ROW + 40
  const out: Array<string> = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="${LEFT}" y="22" font-size="15" font-weight="bold">${xml(title)}</text>`,
    `<text x="${LEFT}" y="40" fill="#555">box p25-p75, thick line p50, ticks p95/p99, whiskers min-max, dashed red: threshold (log scale, ms)</text>`
  ]
  for (let decade = lo; decade <= hi; decade *= 10) {
    const gx = x(decade).toFixed(1)
    out.push(`<line x1="${gx}" y1="${TOP - 4}" x2="${gx}" y2="${height - 30}" stroke="#ddd"/>`)
    out.push(
      `<text x="${gx}" y="${height - 14}" text-anchor="middle" fill="#555">${decade >= 1 ? decade : decade.toPrecision(1)} ms</text>`
    )
  }
  rows.forEach(([op, d], i) => {
    const cy = TOP + i * ROW + ROW / 2
    const f = (v: number) => x(v).toFixed(1)
    out.push(
      `<text x="${LEFT - 10}" y="${cy - 4}" text-anchor="end" font-weight="bold">${xml(operationLabels[op])}</text>`
    )
    out.push(
      `<text x="${LEFT - 10}" y="${cy + 12}" text-anchor="end" fill="#555">p50 ${ms(d.p50_ms)} · p99 ${ms(d.p99_ms)} · n=${d.samples}</text>`
    )
    for (const s of d.samples_ms)
      out.push(`<circle cx="${f(s)}" cy="${cy + 16}" r="2" fill="#1f77b4" fill-opacity="0.35"/>`)
    out.push(`<line x1="${f(d.min_ms)}" y1="${cy}" x2="${f(d.max_ms)}" y2="${cy}" stroke="#333"/>`)
    for (const v of [d.min_ms, d.max_ms])
      out.push(`<line x1="${f(v)}" y1="${cy - 6}" x2="${f(v)}" y2="${cy + 6}" stroke="#333"/>`)
    out.push(
      `<rect x="${f(d.p25_ms)}" y="${cy - 10}" width="${Math.max(1, x(d.p75_ms) - x(d.p25_ms)).toFixed(1)}" height="20" fill="#9ecae1" stroke="#333"/>`
    )
    out.push(
      `<line x1="${f(d.p50_ms)}" y1="${cy - 12}" x2="${f(d.p50_ms)}" y2="${cy + 12}" stroke="#08306b" stroke-width="3"/>`
    )
    for (const v of [d.p95_ms, d.p99_ms])
      out.push(`<line x1="${f(v)}" y1="${cy - 8}" x2="${f(v)}" y2="${cy + 8}" stroke="#e6550d" stroke-width="2"/>`)
    for (const limit of limits.filter((l) => l.operation === op))
      out.push(
        `<line x1="${f(limit.ms)}" y1="${cy - 20}" x2="${f(limit.ms)}" y2="${cy + 20}" stroke="#d62728" stroke-width="2" stroke-dasharray="4 3"><title>threshold ${ms(limit.ms)}</title></line>`
      )
  })
  out.push("</svg>")
  return `${out.join("\n")}\n`
}
