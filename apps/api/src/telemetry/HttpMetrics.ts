import * as Metric from "effect/Metric"
import * as MetricBoundaries from "effect/MetricBoundaries"
import { type Series, series as seriesOf } from "./Series.js"

/** Latency bucket upper bounds in seconds (500 us to 10 s). */
export const LATENCY_BUCKETS: ReadonlyArray<number> = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
]

const REQUESTS = Metric.counter("memory_turso_http_requests_total", {
  description: "HTTP requests answered, by method, route (as registered) and status class."
})
const DURATION = Metric.histogram(
  "memory_turso_http_request_duration_seconds",
  MetricBoundaries.fromIterable(LATENCY_BUCKETS),
  "HTTP request latency, by method and route."
)
const NAMESPACE_REQUESTS = Metric.counter("memory_turso_namespace_requests_total", {
  description: "Requests to a namespace; namespaces outside [telemetry] namespace_labels count as other."
})

const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
const CLASSES = ["1xx", "2xx", "3xx", "4xx", "5xx"] as const

interface RouteSeries {
  readonly duration: Series<number>
  readonly byClass: Array<Series<number> | undefined>
  readonly method: string
  readonly route: string
}

/**
 * Records requests into the HTTP metrics. Labels are bounded: routes are the registered patterns (or `unmatched`),
 * methods a fixed set (else `OTHER`), statuses their class. Each series is made once and kept (`Series.ts`), so a
 * request costs a few map lookups and two in-memory updates (no string is built).
 */
export const makeHttpRecorder = () => {
  const routes = new Map<string, Map<string, RouteSeries>>()
  const routeSeries = (route: string, requestMethod: string): RouteSeries => {
    let byMethod = routes.get(route)
    if (byMethod === undefined) {
      byMethod = new Map()
      routes.set(route, byMethod)
    }
    const method = METHODS.has(requestMethod) ? requestMethod : "OTHER"
    let series = byMethod.get(method)
    if (series === undefined) {
      // `GET /episodes/:id` -> `/episodes/:id` (a HEAD request answered by a GET route keeps its own method).
      const path = route.includes(" ") ? route.slice(route.indexOf(" ") + 1) : route
      series = {
        duration: seriesOf(DURATION, { method, route: path }),
        byClass: [],
        method,
        route: path
      }
      byMethod.set(method, series)
    }
    return series
  }
  /** One answered request: its route (`GET /episodes/:id` or `unmatched`), method, status and latency in ms. */
  return (route: string, requestMethod: string, status: number, ms: number): void => {
    const series = routeSeries(route, requestMethod)
    series.duration.update(ms / 1000)
    const index = Math.min(Math.max(Math.floor(status / 100) - 1, 0), 4)
    let counter = series.byClass[index]
    if (counter === undefined) {
      counter = seriesOf(REQUESTS, { method: series.method, route: series.route, status_class: CLASSES[index]! })
      series.byClass[index] = counter
    }
    counter.update(1)
  }
}

/** Counts a request to a namespace under its own label when allowed, else under `other` (bounded cardinality). */
export const makeNamespaceRecorder = (allowed: ReadonlyArray<string>) => {
  const counters = new Map<string, Series<number>>()
  const other = seriesOf(NAMESPACE_REQUESTS, { namespace: "other" })
  for (const namespace of allowed) counters.set(namespace, seriesOf(NAMESPACE_REQUESTS, { namespace }))
  return (namespace: string): void => (counters.get(namespace) ?? other).update(1)
}
