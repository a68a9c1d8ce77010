import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { PoolTimeout } from "../DatabaseError.js"

/**
 * Counting permits with a strict FIFO queue: a released permit goes to the oldest waiter, and a caller that finds
 * others waiting queues behind them even if a permit is free for an instant. A waiter gives up after `timeout`
 * with `PoolTimeout`.
 */
export interface Permits {
  readonly max: number
  /** Permits held now. */
  readonly active: () => number
  /** Callers waiting now. */
  readonly waiting: () => number
  /** Waits for a permit (FIFO, up to the timeout); returns how long it waited, in milliseconds. */
  readonly acquire: Effect.Effect<number, PoolTimeout>
  /** A permit now if one is free and nobody waits, else none (for maintenance that must never delay callers). */
  readonly tryAcquire: () => boolean
  readonly release: () => void
}

export const make = (max: number, timeout: Duration.DurationInput): Permits => {
  let available = max
  const queue: Array<Deferred.Deferred<void>> = []
  const timeoutMs = Duration.toMillis(timeout)

  const release = () => {
    const next = queue.shift()
    if (next === undefined) available++
    else Deferred.unsafeDone(next, Exit.void)
  }

  const tryAcquire = () => {
    if (available === 0 || queue.length > 0) return false
    available--
    return true
  }

  const acquire = Effect.uninterruptibleMask((restore) =>
    Effect.gen(function* () {
      if (tryAcquire()) return 0
      const start = yield* Clock.currentTimeMillis
      const granted = yield* Deferred.make<void>()
      queue.push(granted)
      const exit = yield* Effect.exit(restore(Deferred.await(granted).pipe(Effect.timeout(timeoutMs))))
      const waited = (yield* Clock.currentTimeMillis) - start
      if (Exit.isSuccess(exit)) return waited
      // Timed out or interrupted: leave the queue; a permit handed over meanwhile goes to the next in line.
      const index = queue.indexOf(granted)
      if (index >= 0) queue.splice(index, 1)
      else release()
      if (Exit.isInterrupted(exit)) return yield* Effect.interrupt
      return yield* Effect.fail(new PoolTimeout({ waited_ms: waited, max_connections: max, waiting: queue.length }))
    })
  )

  return {
    max,
    active: () => max - available,
    waiting: () => queue.length,
    acquire,
    tryAcquire,
    release
  }
}
