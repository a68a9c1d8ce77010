import type { ConnectionPool } from "@memory-turso/pool"
import { type KeepAliveSection, worstIdleMs } from "../KeepAliveConfig.js"
import type { KeepAliveStats } from "../KeepAliveStats.js"

const round = (n: number) => Math.round(n * 1000) / 1000

/** Idle closes sooner than this after the last response are not taken for the server's idle timeout. */
const MIN_IDLE_CLOSE_MS = 50

/** The counters and latency sums behind `KeepAliveStats`, fed by the pool's events. */
export class Measurements {
  connections_refreshed = 0
  stale_detected = 0
  pings = 0
  ping_failures = 0
  requests_kept_warm = 0
  #cold = { n: 0, ms: 0 }
  #warm = { n: 0, ms: 0 }
  #observedIdleClose: number | undefined
  #earlyCloses = 0

  constructor(private readonly section: KeepAliveSection) {}

  /** Records one pool event; returns a warning to log when the server closes idle sockets before pings can come. */
  record(event: ConnectionPool.PoolEvent): string | undefined {
    if (event._tag === "IdleClose") {
      // A close within moments of the last response is a restart or a kill, not an idle policy.
      if (event.idle_ms < MIN_IDLE_CLOSE_MS) return undefined
      this.#observedIdleClose = event.idle_ms
      const worst = worstIdleMs(this.section)
      if (!this.section.enable_proactive_ping || event.idle_ms >= worst) return undefined
      // One early close may be a one-off (a restart); the second is a pattern worth a warning, given once.
      if (++this.#earlyCloses !== 2) return undefined
      return (
        `keepalive: the server closed sockets idle for ${Math.round(event.idle_ms)} ms, sooner than pings every ` +
        `interval_secs = ${this.section.interval_secs} can reach them (up to ${worst} ms apart): ` +
        `set keepalive.interval_secs below ${Math.floor(event.idle_ms / 1.5) / 1000}`
      )
    }
    if (!event.ok) return undefined
    const bucket = event.cold ? this.#cold : this.#warm
    bucket.n++
    bucket.ms += event.ms
    if (event.purpose === "operation" && !event.cold && event.previous_on_socket === "keepalive") {
      const serverIdle =
        this.section.server_idle_timeout_secs === undefined
          ? this.#observedIdleClose
          : this.section.server_idle_timeout_secs * 1000
      // Credit only what is known: without the server's idle timeout nothing says the socket would have closed.
      const gap = event.since_last_operation_ms ?? Number.POSITIVE_INFINITY
      if (serverIdle !== undefined && gap >= serverIdle) this.requests_kept_warm++
    }
    return undefined
  }

  snapshot(active: boolean, socketsOpened: number): KeepAliveStats {
    const avgCold = this.#cold.n === 0 ? 0 : this.#cold.ms / this.#cold.n
    const avgWarm = this.#warm.n === 0 ? 0 : this.#warm.ms / this.#warm.n
    const saved = this.#cold.n === 0 || this.#warm.n === 0 ? 0 : Math.max(0, avgCold - avgWarm)
    return {
      active,
      connections_created: active ? socketsOpened : 0,
      connections_refreshed: this.connections_refreshed,
      stale_detected: this.stale_detected,
      pings: this.pings,
      ping_failures: this.ping_failures,
      cold_requests: this.#cold.n,
      warm_requests: this.#warm.n,
      avg_cold_ms: round(avgCold),
      avg_warm_ms: round(avgWarm),
      avg_time_saved_ms: round(saved),
      requests_kept_warm: this.requests_kept_warm,
      time_saved_ms: round(this.requests_kept_warm * saved),
      observed_server_idle_close_ms: this.#observedIdleClose === undefined ? null : Math.round(this.#observedIdleClose)
    }
  }
}
