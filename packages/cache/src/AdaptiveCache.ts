import * as Cause from "effect/Cause"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import type { CacheOptionsError, Options } from "./CacheOptions.js"
import type { Stats } from "./CacheStats.js"
import { resolve } from "./internal/options.js"
import { Store } from "./internal/store.js"

export { CacheOptionsError, type Options } from "./CacheOptions.js"
export type { Stats } from "./CacheStats.js"

/**
 * A typed adaptive-TTL cache with single-flight loads. Keys are compared like Map keys (use strings or numbers).
 */
export interface AdaptiveCache<K, V> {
  /**
   * The live value of `key`, or the result of `load`. Concurrent misses of one key run `load` once and share its
   * result; failures are not cached. A load overtaken by `set`, `invalidate`, `invalidateWhere` or `clear` returns
   * its value to its own callers but does not fill the cache.
   */
  readonly get: <E, R>(key: K, load: Effect.Effect<V, E, R>) => Effect.Effect<V, E, R>
  /** The live value of `key` (a read: counted, may promote the entry), without loading. */
  readonly getIfPresent: (key: K) => Effect.Effect<Option.Option<V>>
  /**
   * A synchronous read for hot paths that must not pay for an effect (answering an HTTP request from the cache).
   * A hit is counted (and adapts the TTL); a miss is not, because the caller falls back to `get`, which counts it.
   */
  readonly unsafeGetIfPresent: (key: K) => V | undefined
  /** The live value of `key` without counting a read or touching recency (for bookkeeping, not for serving). */
  readonly peekLive: (key: K) => V | undefined
  /** Time left before `key` expires, without counting a read or touching recency; None if not live. */
  readonly expiresIn: (key: K) => Effect.Effect<Option.Option<Duration.Duration>>
  /**
   * Stores a value (write-through), unless the live entry supersedes it (`Options.supersedes`); a load of `key` in
   * flight will not overwrite it either way.
   */
  readonly set: (key: K, value: V) => Effect.Effect<void>
  /** Drops `key` and any load of it in flight; true if a live entry was removed. */
  readonly invalidate: (key: K) => Effect.Effect<boolean>
  /**
   * Drops the entries whose key and value satisfy `predicate`, and every load in flight (their values are not
   * known yet); returns how many live entries were removed.
   */
  readonly invalidateWhere: (predicate: (key: K, value: V) => boolean) => Effect.Effect<number>
  /** Drops every entry and every load in flight; returns how many live entries were removed. */
  readonly clear: () => Effect.Effect<number>
  /** Removes expired entries now (the background sweeper does the same); returns how many. */
  readonly sweep: () => Effect.Effect<number>
  /** A snapshot of the statistics. */
  readonly stats: Effect.Effect<Stats>
  /** The same snapshot, synchronously (for a metrics endpoint). */
  readonly unsafeStats: () => Stats
}

const Retry: unique symbol = Symbol.for("@memory-turso/cache/AdaptiveCache/Retry")

/** One load in flight; only the flight registered for its key may fill the cache. */
interface Flight<V> {
  readonly deferred: Deferred.Deferred<Exit.Exit<V, unknown> | typeof Retry>
}

/**
 * Builds a cache. Scoped: the background sweeper (when `backgroundCleanup` is on) runs until the scope closes.
 * All time comes from the `Clock` of the constructing fiber, so tests can drive it with `TestClock`.
 */
export const make = <K, V>(
  options: Options<V, K>
): Effect.Effect<AdaptiveCache<K, V>, CacheOptionsError, Scope.Scope> =>
  Effect.gen(function* () {
    const resolved = yield* resolve(options)
    const clock = yield* Effect.clock
    const store = new Store<K, V>(resolved)
    const inflight = new Map<K, Flight<V>>()
    const now = () => clock.unsafeCurrentTimeMillis()

    // The miss path: join the load in flight for `key`, or start one. Runs its check-and-register synchronously.
    const load = <E, R>(key: K, loader: Effect.Effect<V, E, R>): Effect.Effect<V, E, R> =>
      Effect.uninterruptibleMask((restore) =>
        Effect.suspend((): Effect.Effect<V, E, R> => {
          const live = store.peekLive(key, now())
          if (live !== undefined) return Effect.succeed(live.value)
          const running = inflight.get(key)
          if (running !== undefined) {
            return restore(
              Effect.flatMap(Deferred.await(running.deferred), (result) =>
                result === Retry ? load(key, loader) : (result as Exit.Exit<V, E>)
              )
            )
          }
          const flight: Flight<V> = { deferred: Deferred.unsafeMake(FiberId.none) }
          inflight.set(key, flight)
          store.loads++
          return restore(loader).pipe(
            Effect.withSpan("AdaptiveCache.load"),
            Effect.onExit((exit) =>
              Effect.sync(() => {
                const current = inflight.get(key) === flight
                if (current) inflight.delete(key)
                if (Exit.isSuccess(exit)) {
                  // Release the waiters first: a throwing `weigh` in fill must not leave them waiting.
                  Deferred.unsafeDone(flight.deferred, Exit.succeed(exit))
                  if (current) store.fill(key, exit.value, now())
                } else if (Cause.isInterruptedOnly(exit.cause)) {
                  // The leader was interrupted: its waiters try again (one of them becomes the leader).
                  Deferred.unsafeDone(flight.deferred, Exit.succeed(Retry))
                } else {
                  store.loadFailures++
                  Deferred.unsafeDone(flight.deferred, Exit.succeed(exit))
                }
              })
            )
          )
        })
      )

    const detach = (key: K) => inflight.delete(key)

    // The hit path allocates one suspended effect and no fiber, span or stack trace (see bench/hit.ts).
    const get = <E, R>(key: K, loader: Effect.Effect<V, E, R>): Effect.Effect<V, E, R> =>
      Effect.suspend(() => {
        const entry = store.read(key, now())
        return entry === undefined ? load(key, loader) : Effect.succeed(entry.value)
      })

    const unsafeGetIfPresent = (key: K): V | undefined => store.read(key, now(), false)?.value

    const getIfPresent = (key: K): Effect.Effect<Option.Option<V>> =>
      Effect.sync(() => {
        const entry = store.read(key, now())
        return entry === undefined ? Option.none() : Option.some(entry.value)
      })

    const peekLive = (key: K): V | undefined => store.peekLive(key, now())?.value

    const expiresIn = (key: K): Effect.Effect<Option.Option<Duration.Duration>> =>
      Effect.sync(() => {
        const t = now()
        const entry = store.peekLive(key, t)
        return entry === undefined ? Option.none() : Option.some(Duration.millis(entry.expiresAt - t))
      })

    const set = Effect.fn("AdaptiveCache.set")((key: K, value: V) =>
      Effect.sync(() => {
        detach(key)
        store.fill(key, value, now())
      })
    )

    const invalidate = Effect.fn("AdaptiveCache.invalidate")((key: K) =>
      Effect.sync(() => {
        detach(key)
        return store.invalidate(key, now())
      })
    )

    const invalidateWhere = Effect.fn("AdaptiveCache.invalidateWhere")((predicate: (key: K, value: V) => boolean) =>
      Effect.sync(() => {
        inflight.clear()
        return store.invalidateWhere(predicate, now())
      })
    )

    const clear = Effect.fn("AdaptiveCache.clear")(() =>
      Effect.sync(() => {
        inflight.clear()
        return store.clear(now())
      })
    )

    const sweep = Effect.fn("AdaptiveCache.sweep")(() => Effect.sync(() => store.sweep(now())))

    if (resolved.backgroundCleanup) {
      yield* Effect.sleep(resolved.cleanupIntervalMs).pipe(Effect.zipRight(sweep()), Effect.forever, Effect.forkScoped)
    }

    const unsafeStats = () => store.stats()
    return {
      get,
      getIfPresent,
      unsafeGetIfPresent,
      peekLive,
      expiresIn,
      set,
      invalidate,
      invalidateWhere,
      clear,
      sweep,
      stats: Effect.sync(unsafeStats),
      unsafeStats
    } satisfies AdaptiveCache<K, V>
  })
