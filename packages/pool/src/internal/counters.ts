import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type { PoolStats } from "../PoolStats.js"
import type { Permits } from "./permits.js"

const round = (n: number) => Math.round(n * 1000) / 1000

/** The counters behind `PoolStats`, shared by the embedded and remote pools. */
export class Counters {
  total_acquired = 0
  total_wait_ms = 0
  max_wait_ms = 0
  timeouts = 0
  connections_created = 0
  connections_replaced = 0
  health_checks = 0
  health_check_failures = 0
  sockets_opened = 0
  sockets_closed = 0
  sockets_closed_idle = 0
  requests = 0

  acquired(waitedMs: number) {
    this.total_acquired++
    this.total_wait_ms += waitedMs
    this.max_wait_ms = Math.max(this.max_wait_ms, waitedMs)
  }

  /** A snapshot; `idle` is given by the pool kind. */
  snapshot(permits: Permits, idle: () => number): Effect.Effect<PoolStats> {
    return Effect.sync(() => {
      const active = permits.active()
      return {
        max: permits.max,
        active,
        idle: idle(),
        waiting: permits.waiting(),
        utilization: round(active / permits.max),
        total_acquired: this.total_acquired,
        avg_wait_ms: this.total_acquired === 0 ? 0 : round(this.total_wait_ms / this.total_acquired),
        max_wait_ms: round(this.max_wait_ms),
        timeouts: this.timeouts,
        connections_created: this.connections_created,
        connections_replaced: this.connections_replaced,
        health_checks: this.health_checks,
        health_check_failures: this.health_check_failures,
        sockets_opened: this.sockets_opened,
        sockets_closed: this.sockets_closed,
        sockets_open: this.sockets_opened - this.sockets_closed,
        sockets_closed_idle: this.sockets_closed_idle,
        requests: this.requests
      }
    })
  }
}

/** Waits for a permit and counts the wait, or the timeout. */
export const acquirePermit = (permits: Permits, counters: Counters) =>
  permits.acquire.pipe(
    Effect.tap((waited) => counters.acquired(waited)),
    Effect.tapError(() => Effect.sync(() => counters.timeouts++))
  )

/**
 * Waits for a permit (interruptibly), then takes a connection and registers its release in the scope; the two
 * steps after the wait cannot be torn apart by an interruption.
 */
export const checkoutWith = <L>(
  permits: Permits,
  counters: Counters,
  take: Effect.Effect<L>,
  release: (lease: L) => Effect.Effect<void>
): Effect.Effect<L, import("../DatabaseError.js").PoolTimeout, Scope.Scope> =>
  Effect.uninterruptibleMask((restore) =>
    Effect.gen(function* () {
      yield* restore(acquirePermit(permits, counters))
      const lease = yield* take
      yield* Effect.addFinalizer(() => release(lease))
      return lease
    })
  )
