import * as Context from "effect/Context"
import * as Layer from "effect/Layer"
import { LatencyHistogram } from "./LatencyHistogram.js"

/** Counts and latencies of one route. */
export interface RouteStats {
  readonly count: number
  readonly errors: number
  readonly client_errors: number
  readonly p50_ms: number
  readonly p95_ms: number
  readonly p99_ms: number
  readonly max_ms: number
  readonly mean_ms: number
}

interface RouteRecord {
  readonly latency: LatencyHistogram
  errors: number
  clientErrors: number
}

const round = (ms: number) => Math.round(ms * 1000) / 1000

/** Per-route request counts, errors (5xx), client errors (4xx) and latency percentiles. */
export class RequestMetrics extends Context.Tag("@memory-turso/api/RequestMetrics")<
  RequestMetrics,
  {
    readonly record: (route: string, status: number, ms: number) => void
    readonly snapshot: () => Record<string, RouteStats>
    readonly histograms: () => ReadonlyMap<string, LatencyHistogram>
  }
>() {}

/** A fresh, empty set of request metrics. */
export const make = (): RequestMetrics["Type"] => {
  const routes = new Map<string, RouteRecord>()
  return {
    record: (route, status, ms) => {
      let record = routes.get(route)
      if (record === undefined) {
        record = { latency: new LatencyHistogram(), errors: 0, clientErrors: 0 }
        routes.set(route, record)
      }
      record.latency.record(ms)
      if (status >= 500) record.errors++
      else if (status >= 400) record.clientErrors++
    },
    snapshot: () => {
      const out: Record<string, RouteStats> = {}
      for (const [route, { latency, errors, clientErrors }] of routes) {
        out[route] = {
          count: latency.count,
          errors,
          client_errors: clientErrors,
          p50_ms: round(latency.quantile(0.5)),
          p95_ms: round(latency.quantile(0.95)),
          p99_ms: round(latency.quantile(0.99)),
          max_ms: round(latency.maxMs),
          mean_ms: round(latency.count === 0 ? 0 : latency.sumMs / latency.count)
        }
      }
      return out
    },
    histograms: () => new Map([...routes].map(([route, record]) => [route, record.latency]))
  }
}

/** Request metrics for one server. */
export const layer = Layer.sync(RequestMetrics, make)
