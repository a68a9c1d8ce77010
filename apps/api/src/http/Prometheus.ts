import type { LatencyHistogram } from "./LatencyHistogram.js"
import type { RouteStats } from "./RequestMetrics.js"

const PREFIX = "memory_turso"

/** Section fields that only ever grow: exposed as counters (`_total`); every other number is a gauge. */
const COUNTERS = new Set([
  "hits",
  "misses",
  "episode_hits",
  "episode_misses",
  "pattern_hits",
  "pattern_misses",
  "query_hits",
  "query_misses",
  "evictions",
  "expirations",
  "bytes_in",
  "bytes_out",
  "compressed",
  "stored_plain",
  "failed",
  "decoded",
  "decode_failed",
  "codec_unavailable",
  "codec_restarts",
  "compress_calls",
  "decompress_calls",
  "compress_us_total",
  "decompress_us_total",
  "total_acquired",
  "timeouts",
  "connections_created",
  "connections_replaced",
  "connections_refreshed",
  "health_checks",
  "health_check_failures",
  "sockets_opened",
  "sockets_closed",
  "sockets_closed_idle",
  "requests",
  "stale_detected",
  "pings",
  "ping_failures",
  "cold_requests",
  "warm_requests",
  "requests_kept_warm",
  "time_saved_ms",
  "retries",
  "recovered",
  "gave_up",
  "executes",
  "batches",
  "transactions",
  "statements",
  "errors",
  "deadline_exceeded",
  "invalidations",
  "oversized",
  "above_decode_limit",
  "codec_reload_failures",
  "dictionary_evictions",
  "dictionary_builds",
  "dictionary_rebuilds",
  "dictionary_build_failures",
  "dictionary_removals",
  "denied",
  "unauthenticated"
])

/** The label that tells apart the entries of a map-valued field, per section (`kind` unless named here). */
const LABELS: Readonly<Record<string, string>> = { auth: "token" }

/** Histogram bucket upper bounds in seconds. */
const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

const label = (value: string) => value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")
const metricName = (s: string) => s.replace(/[^a-zA-Z0-9_]/g, "_")

/** Appends one metric family: HELP, TYPE and its samples. */
const family = (
  out: Array<string>,
  name: string,
  type: "counter" | "gauge" | "histogram",
  help: string,
  samples: ReadonlyArray<string>
) => {
  out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...samples)
}

/**
 * The /metrics figures in Prometheus text exposition format (0.0.4): requests as counters by route and status
 * class, latencies as histograms, and every numeric field of the feature sections as a counter or gauge.
 */
export const render = (input: {
  readonly routes: Readonly<Record<string, RouteStats>>
  readonly histograms: ReadonlyMap<string, LatencyHistogram>
  readonly sections: Readonly<Record<string, unknown>>
}): string => {
  const out: Array<string> = []
  const requests: Array<string> = []
  for (const [route, stats] of Object.entries(input.routes)) {
    const ok = stats.count - stats.errors - stats.client_errors
    for (const [status, n] of [
      ["2xx", ok],
      ["4xx", stats.client_errors],
      ["5xx", stats.errors]
    ] as const) {
      requests.push(`${PREFIX}_http_requests_total{route="${label(route)}",status="${status}"} ${n}`)
    }
  }
  family(out, `${PREFIX}_http_requests_total`, "counter", "HTTP requests by route and status class.", requests)

  const latency: Array<string> = []
  for (const [route, histogram] of input.histograms) {
    const cumulative = histogram.cumulative(BUCKETS.map((s) => s * 1000))
    BUCKETS.forEach((bound, i) => {
      latency.push(
        `${PREFIX}_http_request_duration_seconds_bucket{route="${label(route)}",le="${bound}"} ${cumulative[i]}`
      )
    })
    latency.push(
      `${PREFIX}_http_request_duration_seconds_bucket{route="${label(route)}",le="+Inf"} ${histogram.count}`,
      `${PREFIX}_http_request_duration_seconds_sum{route="${label(route)}"} ${histogram.sumMs / 1000}`,
      `${PREFIX}_http_request_duration_seconds_count{route="${label(route)}"} ${histogram.count}`
    )
  }
  family(out, `${PREFIX}_http_request_duration_seconds`, "histogram", "HTTP request latency by route.", latency)

  for (const [section, value] of Object.entries(input.sections)) {
    if (typeof value !== "object" || value === null) continue
    const fields = value as Record<string, unknown>
    const enabled = fields["enabled"]
    if (typeof enabled === "boolean") {
      family(out, `${PREFIX}_${metricName(section)}_enabled`, "gauge", `1 when ${section} is active.`, [
        `${PREFIX}_${metricName(section)}_enabled ${enabled ? 1 : 0}`
      ])
    }
    for (const [field, n] of Object.entries(fields)) {
      if (field === "enabled") continue
      const entries: Array<[string, number]> =
        typeof n === "number" && Number.isFinite(n)
          ? [["", n]]
          : typeof n === "object" && n !== null
            ? Object.entries(n).filter((e): e is [string, number] => typeof e[1] === "number" && Number.isFinite(e[1]))
            : []
      if (entries.length === 0) continue
      const counter = COUNTERS.has(field)
      const labelName = LABELS[section] ?? "kind"
      const name = `${PREFIX}_${metricName(section)}_${metricName(field)}${counter && !field.endsWith("_total") ? "_total" : ""}`
      family(
        out,
        name,
        counter ? "counter" : "gauge",
        `${section}.${field}`,
        entries.map(([key, v]) => (key === "" ? `${name} ${v}` : `${name}{${labelName}="${label(key)}"} ${v}`))
      )
    }
  }
  return `${out.join("\n")}\n`
}
