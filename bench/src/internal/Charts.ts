/**
 * The run's charts as hand-written SVG: throughput (each subject's bar beside its baseline's) and latency
 * percentiles (p50, p95, p99 of the subject and of the baseline). Every comparison gets its own scale, since their
 * units and magnitudes differ; the ratio is written beside it.
 */
import type { Comparison, Latency } from "../Result.js"
import type { RunResult } from "../RunResult.js"
import { formatNumber, formatRatio, isThroughput, withUnit } from "./Format.js"

const WIDTH = 960
const LABEL_WIDTH = 300
const BAR_AREA = WIDTH - LABEL_WIDTH - 150
const SUBJECT = "#2f6fb3"
const BASELINE = "#9a9a9a"
const PERCENTILE_SHADES: Record<string, [string, string]> = {
  p50: ["#2f6fb3", "#9a9a9a"],
  p95: ["#5c93cf", "#b8b8b8"],
  p99: ["#9cc0e6", "#d6d6d6"]
}

const escapeXml = (text: string) =>
  text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;")

const text = (x: number, y: number, content: string, attributes = "") =>
  `<text x="${x.toFixed(1)}" y="${y}"${attributes === "" ? "" : ` ${attributes}`}>${escapeXml(content)}</text>`

/** A label cut to what fits left of the bars. */
const clip = (label: string, chars = 46) => (label.length <= chars ? label : `${label.slice(0, chars - 1)}…`)

const bar = (y: number, height: number, value: number, max: number, color: string, role: "subject" | "baseline") => {
  const width = max > 0 ? Math.max(1, (value / max) * BAR_AREA) : 1
  return `<rect class="bar ${role}" x="${LABEL_WIDTH}" y="${y}" width="${width.toFixed(1)}" height="${height}" fill="${color}"/>`
}

const svgDocument = (
  title: string,
  legend: ReadonlyArray<readonly [string, string]>,
  body: Array<string>,
  height: number
) =>
  [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="12">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="100%" height="100%" fill="white"/>`,
    text(10, 22, title, 'font-size="15" font-weight="bold"'),
    ...legend.flatMap(([label, color], i) => [
      `<rect x="${LABEL_WIDTH + i * 150}" y="32" width="12" height="12" fill="${color}"/>`,
      text(LABEL_WIDTH + i * 150 + 16, 42, label)
    ]),
    ...body,
    "</svg>",
    ""
  ].join("\n")

/** Comparisons of two rates in the same unit. */
export const throughputComparisons = (run: RunResult): ReadonlyArray<Comparison> =>
  run.sections.flatMap((s) =>
    (s.result?.comparisons ?? []).filter((c) => isThroughput(c.subject.unit) && c.subject.unit === c.baseline.unit)
  )

/** Throughput: per comparison, the subject's bar above its baseline's, both on the comparison's own scale. */
export const throughputChart = (run: RunResult): string => {
  const body: Array<string> = []
  let y = 60
  for (const c of throughputComparisons(run)) {
    const max = Math.max(c.subject.value, c.baseline.value)
    body.push(text(10, y + 12, `${c.id} (ratio ${formatRatio(c.ratio)})`, 'font-weight="bold"'))
    for (const [i, figure, color, role] of [
      [0, c.subject, SUBJECT, "subject"],
      [1, c.baseline, BASELINE, "baseline"]
    ] as const) {
      const top = y + 20 + i * 20
      body.push(
        bar(top, 16, figure.value, max, color, role),
        text(LABEL_WIDTH - 6, top + 12, clip(figure.name), 'text-anchor="end" fill="#444"'),
        text(LABEL_WIDTH + (figure.value / max) * BAR_AREA + 6, top + 12, withUnit(figure.value, figure.unit))
      )
    }
    y += 72
  }
  if (body.length === 0) body.push(text(10, y + 12, "no throughput comparisons in this run"))
  return svgDocument(
    `pnpm bench ${run.date}: throughput, subject beside baseline`,
    [
      ["subject", SUBJECT],
      ["baseline", BASELINE]
    ],
    body,
    y + 30
  )
}

/** The subject's and the baseline's series of a comparison's latency, in that order. */
export const latencySides = (c: Comparison): ReadonlyArray<readonly [Latency, "subject" | "baseline"]> =>
  (c.latency ?? []).map((series, i) => {
    const role =
      series.role ??
      (series.name === c.baseline.name || (i > 0 && series.name !== c.subject.name) ? "baseline" : "subject")
    return [series, role] as const
  })

/** Latency percentiles: per comparison, p50/p95/p99 bars of each series, baseline series in grey. */
export const latencyChart = (run: RunResult): string => {
  const body: Array<string> = []
  let y = 60
  for (const c of run.sections.flatMap((s) => s.result?.comparisons ?? [])) {
    const sides = latencySides(c)
    if (sides.length === 0) continue
    const max = Math.max(...sides.map(([s]) => Math.max(s.p99, s.p95 ?? 0, s.p50)))
    body.push(text(10, y + 12, `${c.id} (ratio ${formatRatio(c.ratio)})`, 'font-weight="bold"'))
    y += 20
    for (const [series, role] of sides) {
      const percentiles = [
        ["p50", series.p50],
        ...(series.p95 === undefined ? [] : [["p95", series.p95] as const]),
        ["p99", series.p99]
      ] as const
      body.push(text(LABEL_WIDTH - 6, y + 14, clip(`${role}: ${series.name}`), 'text-anchor="end" fill="#444"'))
      percentiles.forEach(([label, value], i) => {
        const shade = PERCENTILE_SHADES[label]![role === "subject" ? 0 : 1]
        body.push(
          bar(y + i * 10, 9, value, max, shade, role),
          text(
            LABEL_WIDTH + (value / max) * BAR_AREA + 6,
            y + i * 10 + 8,
            `${label} ${formatNumber(value)} ms`,
            'font-size="9"'
          )
        )
      })
      y += percentiles.length * 10 + 6
    }
    y += 12
  }
  if (body.length === 0) body.push(text(10, y + 12, "no latency percentiles in this run"))
  return svgDocument(
    `pnpm bench ${run.date}: latency percentiles (ms), subject beside baseline`,
    [
      ["subject p50 / p95 / p99", SUBJECT],
      ["baseline p50 / p95 / p99", BASELINE]
    ],
    body,
    y + 30
  )
}
