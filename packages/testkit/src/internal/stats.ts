/**
 * The server's counters. Field names are snake_case and identical in `TestServer.stats()` and `GET /_sim/stats`.
 * Socket counters cover sockets that carried at least one non-admin request (see the README).
 */

/** Stream request types counted in `requests_by_type`. */
export const REQUEST_TYPES = [
  "execute",
  "batch",
  "sequence",
  "store_sql",
  "close_sql",
  "close",
  "describe",
  "get_autocommit",
  "unknown"
] as const

export type RequestType = (typeof REQUEST_TYPES)[number]

/** Requests that faults affected, by kind. */
export interface FaultCounts {
  fail: number
  reset: number
  stall: number
  stop_accepting: number
}

/** A snapshot of every counter. */
export interface Stats {
  /** TCP connections that carried at least one non-admin request. */
  sockets_accepted: number
  /** Of those, closed by the server's idle timeout (`idle_timeout_ms`). */
  sockets_closed_idle: number
  /** Of those, closed for any reason (client, idle timeout, reset fault, stop). */
  sockets_closed: number
  /** Gauge: of those, open now (not zeroed by a reset of the counters). */
  sockets_open: number
  /** `POST /v2/pipeline` HTTP requests received (whatever their outcome: fault, 401, 400 or 200). */
  requests: number
  /** Stream requests inside executed pipelines, by type. */
  requests_by_type: Record<RequestType, number>
  /** Other non-admin HTTP requests (`GET /v2`, `GET /health`, unknown paths). */
  other_requests: number
  /** SQL statements handed to SQLite (execute: 1, batch: each step run, sequence: each statement). */
  statements_executed: number
  streams_opened: number
  streams_closed: number
  /** Streams closed (and rolled back) by the stream timeout. */
  streams_expired: number
  /** Gauge: streams open now. */
  streams_open: number
  /** Bytes of non-admin request bodies received. */
  bytes_received: number
  /** Bytes of non-admin response bodies sent. */
  bytes_sent: number
  /** Requests rejected with 401. */
  auth_failures: number
  /** Fault effects: requests failed, sockets reset, requests stalled, times listening was stopped. */
  faults_injected: FaultCounts
}

const zeroByType = (): Record<RequestType, number> =>
  Object.fromEntries(REQUEST_TYPES.map((type) => [type, 0])) as Record<RequestType, number>

const zero = (): Stats => ({
  sockets_accepted: 0,
  sockets_closed_idle: 0,
  sockets_closed: 0,
  sockets_open: 0,
  requests: 0,
  requests_by_type: zeroByType(),
  other_requests: 0,
  statements_executed: 0,
  streams_opened: 0,
  streams_closed: 0,
  streams_expired: 0,
  streams_open: 0,
  bytes_received: 0,
  bytes_sent: 0,
  auth_failures: 0,
  faults_injected: { fail: 0, reset: 0, stall: 0, stop_accepting: 0 }
})

/** Mutable counters; `snapshot` copies them. */
export class Counters {
  value: Stats = zero()

  countRequestType(type: string): void {
    const known = (REQUEST_TYPES as ReadonlyArray<string>).includes(type) ? (type as RequestType) : "unknown"
    this.value.requests_by_type[known]++
  }

  snapshot(): Stats {
    return {
      ...this.value,
      requests_by_type: { ...this.value.requests_by_type },
      faults_injected: { ...this.value.faults_injected }
    }
  }

  /** Zeroes every counter except the gauges `sockets_open` and `streams_open`. */
  reset(): void {
    const { sockets_open, streams_open } = this.value
    this.value = { ...zero(), sockets_open, streams_open }
  }
}
