import * as Data from "effect/Data"
import type * as Duration from "effect/Duration"

/** Options of one cache instance (see AdaptiveCache.make). */
export interface Options<V, K = unknown> {
  /** Real maximum number of entries held in memory (quick-lru generations included). */
  readonly maxEntries: number
  /** Starting TTL of a new entry, counted from its last refresh. */
  readonly ttl: Duration.DurationInput
  /** Lower bound of the adapted TTL. Default 60 seconds. */
  readonly minTtl?: Duration.DurationInput
  /**
   * Upper bound of the adapted TTL, and of any entry's life: a value stored at `t` is dead at `t + maxTtl` however
   * often it is read. Default 7200 seconds.
   */
  readonly maxTtl?: Duration.DurationInput
  /** Reads within one window that make an entry hot (TTL grows, window restarts). Default 10. */
  readonly hotThreshold?: number
  /** An entry with at most this many reads in its window is cold when it expires (TTL shrinks). Default 2. */
  readonly coldThreshold?: number
  /** Fraction by which the TTL grows (hot) or shrinks (cold), in (0, 1). Default 0.25. */
  readonly adaptationRate?: number
  /** Run a background fiber that removes expired entries. Default true. */
  readonly backgroundCleanup?: boolean
  /** Time between two background sweeps. Default 60 seconds. */
  readonly cleanupInterval?: Duration.DurationInput
  /** Approximate size of a value in bytes, for the `approx_bytes` statistic. Default: not measured (0). */
  readonly weigh?: (value: V) => number
  /**
   * Approximate size of a key in bytes, added to its value's weight: a key holds memory too. Default: two bytes
   * per character of a string key (V8's widest), 8 for a number, 0 for anything else.
   */
  readonly weighKey?: (key: K) => number
  /**
   * Entries weighing more than this (key and value, by `weighKey` and `weigh`) are returned but not kept, so one
   * huge entry cannot take the memory of thousands of ordinary ones. Default: no limit.
   */
  readonly maxEntryWeight?: number
  /**
   * Orders the values of one key: a load or `set` replaces a live entry only when `supersedes(next, current)` is
   * true (a higher version, say); otherwise the live entry stays as it is. Default: every fill replaces.
   */
  readonly supersedes?: (next: V, current: V) => boolean
}

/** An option of AdaptiveCache.make is out of range. */
export class CacheOptionsError extends Data.TaggedError("CacheOptionsError")<{
  readonly option: string
  readonly reason: string
}> {
  override get message(): string {
    return `Invalid cache option "${this.option}": ${this.reason}`
  }
}
