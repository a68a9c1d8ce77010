import type * as Metric from "effect/Metric"
import * as MetricLabel from "effect/MetricLabel"

/** One series of a metric: the metric with fixed label values. */
export interface Series<In> {
  readonly update: (input: In) => void
  /** Registers the series (at its zero) without changing it. */
  readonly touch: () => void
}

/**
 * One series of `metric` with these labels, updated through one label array made here. Effect caches a series'
 * registry entry by the identity of that array, so an update is a cache lookup and an in-memory change;
 * `Metric.tagged` instead builds a new array per update and hashes the key into the registry. Measured for one
 * request's two HTTP updates and its namespace count: 5.1 us through `Metric.tagged`, 0.08 us through this.
 */
export const series = <Type, In, Out>(
  metric: Metric.Metric<Type, In, Out>,
  labels: Readonly<Record<string, string>> = {}
): Series<In> => {
  const tags = Object.entries(labels).map(([key, value]) => MetricLabel.make(key, value))
  return {
    update: (input) => metric.unsafeUpdate(input, tags),
    touch: () => void metric.unsafeValue(tags)
  }
}
