import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"

/** Statistics of one cache instance; rates are fractions in [0, 1]. */
export interface Stats {
  /** Reads (get / getIfPresent) that found a live entry. */
  readonly hits: number
  /** Reads that found no live entry (absent or expired). */
  readonly misses: number
  /** Loads started by get (a load joined by concurrent callers counts once). */
  readonly loads: number
  /** Loads that failed or died (interrupted loads are not counted). */
  readonly load_failures: number
  /** Entries dropped by LRU pressure. */
  readonly evictions: number
  /** Entries removed because their TTL ran out (on read, on write or by a sweep). */
  readonly expirations: number
  /** Live entries removed by invalidate, invalidateWhere or clear. */
  readonly invalidations: number
  /** Completed sweeps (background or manual). */
  readonly sweeps: number
  /** hits / (hits + misses), 0 before the first read. */
  readonly hit_rate: number
  /** Entries held in memory now (expired ones not yet removed included). */
  readonly entries: number
  /** Sum of `weighKey(key) + weigh(value)` over the entries held. */
  readonly approx_bytes: number
  /** Entries not kept because they (key and value) weighed more than `maxEntryWeight`. */
  readonly oversized: number
}

/** Anything with synchronous statistics, e.g. an AdaptiveCache. */
export interface StatsSource {
  readonly unsafeStats: () => Stats
}

/** A cache of this name is already registered. */
export class DuplicateCacheName extends Data.TaggedError("DuplicateCacheName")<{ readonly name: string }> {
  override get message(): string {
    return `A cache named "${this.name}" is already registered`
  }
}

/** Collects the statistics of named caches (e.g. episodes, patterns, queries) for a metrics endpoint. */
export class CacheStats extends Context.Tag("@memory-turso/cache/CacheStats")<
  CacheStats,
  {
    /** Registers a cache under a unique name until the scope closes. */
    readonly register: (name: string, source: StatsSource) => Effect.Effect<void, DuplicateCacheName, Scope.Scope>
    /** Statistics of every registered cache, by name. */
    readonly snapshot: Effect.Effect<Readonly<Record<string, Stats>>>
    /** The same, synchronously. */
    readonly unsafeSnapshot: () => Readonly<Record<string, Stats>>
  }
>() {}

/** Builds an empty registry. */
export const make = Effect.sync(() => {
  const sources = new Map<string, StatsSource>()
  const unsafeSnapshot = () => {
    const out: Record<string, Stats> = {}
    for (const [name, source] of sources) out[name] = source.unsafeStats()
    return out
  }
  const register = Effect.fn("CacheStats.register")(function* (name: string, source: StatsSource) {
    if (sources.has(name)) return yield* new DuplicateCacheName({ name })
    sources.set(name, source)
    yield* Effect.addFinalizer(() => Effect.sync(() => sources.delete(name)))
  })
  return CacheStats.of({ register, snapshot: Effect.sync(unsafeSnapshot), unsafeSnapshot })
})

/** The registry as a layer (it has no configuration, so tests use it too). */
export const layer: Layer.Layer<CacheStats> = Layer.effect(CacheStats, make)
