/**
 * What a connection pool holds and has done (snake_case, ready for /metrics as `pool`). Fractions are 0..1,
 * times are milliseconds, counters count since the pool started.
 */
export interface PoolStats {
  /** `max_connections`. */
  readonly max: number
  /** Connections in use now (by operations, health checks or keep-alive pings). */
  readonly active: number
  /** Remote: open connections not in use. Embedded: free slots (`max - active`). */
  readonly idle: number
  /** Callers queued for a connection now. */
  readonly waiting: number
  /** `active / max`. */
  readonly utilization: number
  /** Connections handed to operations. */
  readonly total_acquired: number
  readonly avg_wait_ms: number
  readonly max_wait_ms: number
  /** Callers that gave up with `PoolTimeout`. */
  readonly timeouts: number
  /** Remote: pooled connections created (each with its own keep-alive socket). Embedded: 0. */
  readonly connections_created: number
  /** Connections discarded because they broke (network error, abandoned request) or failed a check. */
  readonly connections_replaced: number
  readonly health_checks: number
  readonly health_check_failures: number
  /** Remote sockets opened (TCP/TLS connects paid), closed, and open now. */
  readonly sockets_opened: number
  readonly sockets_closed: number
  readonly sockets_open: number
  /** Of the closed sockets, those the server (or the network) closed while idle. */
  readonly sockets_closed_idle: number
  /** Remote HTTP requests sent (operations, health checks and pings). */
  readonly requests: number
}
