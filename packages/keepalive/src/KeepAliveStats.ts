/**
 * What keep-alive has done (snake_case, for /metrics as `keepalive`). Times are milliseconds.
 *
 * Time saved is measured, not assumed: every request of the pool is timed in its `fetch` (send to the last byte of
 * the response body) and labelled cold (it opened a new socket: TCP/TLS connect + round trip) or warm (it reused
 * an open socket). `avg_time_saved_ms = avg_cold_ms - avg_warm_ms` (0 until both kinds were seen): what one request
 * saves by finding a warm socket; the first cold sample of a process includes warm-up. `requests_kept_warm` counts
 * warm operations whose socket last carried a keep-alive ping, only when the server's idle timeout is known
 * (`server_idle_timeout_secs`, or observed) and the idle gap since the previous operation was at least that long, so
 * the socket would otherwise have been closed. `time_saved_ms = requests_kept_warm * avg_time_saved_ms`.
 */
export interface KeepAliveStats {
  /** Keep-alive is on and the database is remote. */
  readonly active: boolean
  /** Sockets the pool opened (connects paid) since start. */
  readonly connections_created: number
  /** Connections replaced by keep-alive: a ping failed, or a stale connection's socket had closed. */
  readonly connections_refreshed: number
  /** Connections found idle past `stale_threshold_secs` at checkout. */
  readonly stale_detected: number
  /** Pings sent (background and stale checks) and those that failed or timed out. */
  readonly pings: number
  readonly ping_failures: number
  readonly cold_requests: number
  readonly warm_requests: number
  readonly avg_cold_ms: number
  readonly avg_warm_ms: number
  readonly avg_time_saved_ms: number
  readonly requests_kept_warm: number
  readonly time_saved_ms: number
  /**
   * The idle time after which the server last closed one of our sockets (closes within 50 ms of a response are
   * taken for restarts and ignored; null: never seen).
   */
  readonly observed_server_idle_close_ms: number | null
}
