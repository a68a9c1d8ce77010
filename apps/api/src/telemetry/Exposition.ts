import * as Metric from "effect/Metric"
import type * as MetricPair from "effect/MetricPair"
import * as MetricState from "effect/MetricState"
import * as Option from "effect/Option"

/** The content type of the Prometheus text exposition format this module writes. */
export const CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

type Kind = "counter" | "gauge" | "histogram"

interface Family {
  readonly kind: Kind
  readonly help: string
  readonly lines: Array<string>
}

const escapeLabel = (value: string) => value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")
const escapeHelp = (value: string) => value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")

const labelsOf = (pair: MetricPair.MetricPair.Untyped, extra?: string): string => {
  const parts = pair.metricKey.tags.map((tag) => `${tag.key}="${escapeLabel(tag.value)}"`)
  if (extra !== undefined) parts.push(extra)
  return parts.length === 0 ? "" : `{${parts.join(",")}}`
}

const number = (value: number | bigint): string =>
  typeof value === "bigint"
    ? value.toString()
    : Number.isNaN(value)
      ? "NaN"
      : value === Number.POSITIVE_INFINITY
        ? "+Inf"
        : value === Number.NEGATIVE_INFINITY
          ? "-Inf"
          : String(value)

const kindOf = (state: unknown): Kind | undefined =>
  MetricState.isCounterState(state)
    ? "counter"
    : MetricState.isGaugeState(state)
      ? "gauge"
      : MetricState.isHistogramState(state)
        ? "histogram"
        : undefined

/** The samples of one series (a counter or gauge: one line; a histogram: its buckets, sum and count). */
const samplesOf = (name: string, pair: MetricPair.MetricPair.Untyped): ReadonlyArray<string> => {
  const state = pair.metricState
  if (MetricState.isCounterState(state)) return [`${name}${labelsOf(pair)} ${number(state.count)}`]
  if (MetricState.isGaugeState(state)) return [`${name}${labelsOf(pair)} ${number(state.value)}`]
  if (!MetricState.isHistogramState(state)) return []
  const lines: Array<string> = []
  for (const [bound, cumulative] of state.buckets) {
    if (bound === Number.POSITIVE_INFINITY) continue
    lines.push(`${name}_bucket${labelsOf(pair, `le="${number(bound)}"`)} ${cumulative}`)
  }
  lines.push(
    `${name}_bucket${labelsOf(pair, 'le="+Inf"')} ${state.count}`,
    `${name}_sum${labelsOf(pair)} ${number(state.sum)}`,
    `${name}_count${labelsOf(pair)} ${state.count}`
  )
  return lines
}

/**
 * The metrics of Effect's registry (every `Metric` this process declared and updated) in the Prometheus text
 * exposition format 0.0.4: one family per metric name with its HELP (the metric's description) and TYPE, series in
 * a stable order. Metrics without a description (Effect's own fiber counters) and kinds Prometheus text has no
 * counterpart for (frequencies, summaries) are left out.
 */
export const render = (pairs: ReadonlyArray<MetricPair.MetricPair.Untyped> = Metric.unsafeSnapshot()): string => {
  const families = new Map<string, Family>()
  const sorted = [...pairs].sort((a, b) => {
    const byName = a.metricKey.name.localeCompare(b.metricKey.name)
    return byName !== 0 ? byName : labelsOf(a).localeCompare(labelsOf(b))
  })
  for (const pair of sorted) {
    const kind = kindOf(pair.metricState)
    // Only metrics declared with a description (HELP) are published: Effect's own fiber counters are not.
    if (kind === undefined || Option.isNone(pair.metricKey.description)) continue
    const name = pair.metricKey.name
    let family = families.get(name)
    if (family === undefined) {
      family = { kind, help: pair.metricKey.description.value, lines: [] }
      families.set(name, family)
    }
    if (family.kind !== kind) continue
    family.lines.push(...samplesOf(name, pair))
  }
  const out: Array<string> = []
  for (const [name, family] of families) {
    out.push(`# HELP ${name} ${escapeHelp(family.help)}`, `# TYPE ${name} ${family.kind}`, ...family.lines)
  }
  return `${out.join("\n")}\n`
}
