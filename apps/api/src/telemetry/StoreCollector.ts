import type { Metrics } from "@memory-turso/model"
import * as Metric from "effect/Metric"
import { type Series, series as seriesOf } from "./Series.js"
import { FIGURES, type Figure, infoLabels, type Labels } from "./StoreFigures.js"

const INFO = Metric.gauge("memory_turso_info", {
  description: "1, with this server's settings as labels (database kind, compression, retries)."
})

interface Entry {
  readonly series: Series<number>
  /** A counter's value at the last collection (it advances by the difference). */
  last: number
}

/**
 * Copies the store's figures (`FIGURES`) into Effect's metric registry, where Prometheus text and OTLP export read
 * them. Gauges take the current value; counters advance by what grew since this collector's last call (several
 * servers in one process add up). One collector per server; call it before each export.
 */
export const makeStoreCollector = () => {
  const entries = new Map<string, Entry>()
  const base = new Map<Figure, Metric.Metric<unknown, number, unknown>>(
    FIGURES.map((f) => [
      f,
      (f.kind === "counter"
        ? Metric.counter(f.name, { description: f.help })
        : Metric.gauge(f.name, { description: f.help })) as Metric.Metric<unknown, number, unknown>
    ])
  )
  let info: string | undefined
  const update = (figure: Figure, labels: Labels, value: number) => {
    const key = `${figure.name}${JSON.stringify(labels)}`
    let entry = entries.get(key)
    if (entry === undefined) {
      entry = { series: seriesOf(base.get(figure)!, labels), last: 0 }
      entries.set(key, entry)
    }
    if (!Number.isFinite(value)) return
    if (figure.kind === "gauge") entry.series.update(value)
    else {
      const grew = value >= entry.last ? value - entry.last : value
      entry.series.update(grew)
      entry.last = value
    }
  }
  return (metrics: Metrics): void => {
    for (const figure of FIGURES) {
      const read = figure.read(metrics)
      if (typeof read === "number") update(figure, {}, read)
      else for (const [labels, value] of read) update(figure, labels, value)
    }
    const labels = infoLabels(metrics)
    const key = JSON.stringify(labels)
    if (key !== info) {
      info = key
      seriesOf(INFO, labels).update(1)
    }
  }
}
