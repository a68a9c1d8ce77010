import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { PoolTimeout } from "../DatabaseError.js"
import { observeAcquireWait } from "../OperationMetrics.js"
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
  /** Callers holding a permit that wait for a connection busy with a ping (a gauge, part of `waiting`). */
  waiting_for_ping = 0

  acquired(waitedMs: number) {
    this.total_acquired++
    this.total_wait_ms += waitedMs
    this.max_wait_ms = Math.max(this.max_wait_ms, waitedMs)
    observeAcquireWait(waitedMs)
  }

  /** A snapshot; `idle` is given by the pool kind. */
  snapshot(permits: Permits, idle: () => number): Effect.Effect<PoolStats> {
    return Effect.sync(() => {
      const active = permits.active()
      return {
        max: permits.max,
        active,
        idle: idle(),
        waiting: permits.waiting() + this.waiting_for_ping,
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

/** Runs an effect in the interruptible region of `uninterruptibleMask`. */
export type Restore = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>

/**
 * Takes a connection once the permit is held: the lease and how long it waited beyond the permit, in milliseconds.
 * It runs uninterruptibly except for what it wraps in `restore`; `waitedMs` is the time the permit took.
 */
export type Take<L, E> = (restore: Restore, waitedMs: number) => Effect.Effect<readonly [L, number], E>

/**
 * Waits for a permit (interruptibly), then takes a connection and registers its release in the scope. The permit
 * goes back when taking fails or is interrupted; once taken, the lease is released with the scope. The whole wait
 * (permit and take) is counted, as is a timeout.
 */
export const checkoutWith = <L, E>(
  permits: Permits,
  counters: Counters,
  take: Take<L, E>,
  release: (lease: L) => Effect.Effect<void>
): Effect.Effect<L, PoolTimeout | E, Scope.Scope> =>
  Effect.uninterruptibleMask((restore) =>
    Effect.gen(function* () {
      const waited = yield* restore(permits.acquire)
      const [lease, extra] = yield* take(restore, waited).pipe(Effect.onError(() => Effect.sync(permits.release)))
      yield* Effect.addFinalizer(() => release(lease))
      counters.acquired(waited + extra)
      return lease
    })
  ).pipe(
    Effect.tapError((error) =>
      Effect.sync(() => {
        if (error instanceof PoolTimeout) counters.timeouts++
      })
    )
  )
