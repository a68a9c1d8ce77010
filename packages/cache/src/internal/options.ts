import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Either from "effect/Either"

/** Options of one cache instance (see AdaptiveCache.make). */
export interface Options<V> {
  /** Real maximum number of entries held in memory (quick-lru generations included). */
  readonly maxEntries: number
  /** Starting TTL of a new entry, counted from its last refresh. */
  readonly ttl: Duration.DurationInput
  /** Lower bound of the adapted TTL. Default 60 seconds. */
  readonly minTtl?: Duration.DurationInput
  /** Upper bound of the adapted TTL. Default 7200 seconds. */
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
   * Values weighing more than this (by `weigh`) are returned but not kept, so one huge value cannot take the
   * memory of thousands of ordinary ones. Default: no limit.
   */
  readonly maxEntryWeight?: number
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

/** Options with defaults applied, durations in milliseconds. */
export interface Resolved<V> {
  readonly maxEntries: number
  readonly ttlMs: number
  readonly minTtlMs: number
  readonly maxTtlMs: number
  readonly hotThreshold: number
  readonly coldThreshold: number
  readonly adaptationRate: number
  readonly backgroundCleanup: boolean
  readonly cleanupIntervalMs: number
  readonly weigh: ((value: V) => number) | undefined
  readonly maxEntryWeight: number
}

const fail = (option: string, reason: string) => Either.left(new CacheOptionsError({ option, reason }))

const millis = (option: string, input: Duration.DurationInput): Either.Either<number, CacheOptionsError> => {
  const decoded = Duration.decodeUnknown(input)
  if (decoded._tag === "None") return fail(option, "is not a duration")
  const ms = Duration.toMillis(decoded.value)
  if (!Number.isFinite(ms) || ms <= 0) {
    const shown = typeof input === "number" || typeof input === "string" ? String(input) : `${ms} ms`
    return fail(option, `must be a finite duration > 0, got ${shown}`)
  }
  return Either.right(ms)
}

const integer = (option: string, value: number, min: number): Either.Either<number, CacheOptionsError> =>
  Number.isSafeInteger(value) && value >= min
    ? Either.right(value)
    : fail(option, `must be an integer >= ${min}, got ${value}`)

/** Applies defaults and checks every option. */
export const resolve = <V>(options: Options<V>): Either.Either<Resolved<V>, CacheOptionsError> =>
  Either.gen(function* () {
    const maxEntries = yield* integer("maxEntries", options.maxEntries, 1)
    const ttlMs = yield* millis("ttl", options.ttl)
    const minTtlMs = yield* millis("minTtl", options.minTtl ?? "60 seconds")
    const maxTtlMs = yield* millis("maxTtl", options.maxTtl ?? "7200 seconds")
    if (minTtlMs > maxTtlMs) return yield* fail("minTtl", `${minTtlMs} ms is greater than maxTtl ${maxTtlMs} ms`)
    if (ttlMs < minTtlMs || ttlMs > maxTtlMs) {
      return yield* fail("ttl", `${ttlMs} ms is outside [minTtl, maxTtl] = [${minTtlMs}, ${maxTtlMs}] ms`)
    }
    const hotThreshold = yield* integer("hotThreshold", options.hotThreshold ?? 10, 1)
    const coldThreshold = yield* integer("coldThreshold", options.coldThreshold ?? 2, 0)
    if (coldThreshold >= hotThreshold) {
      return yield* fail("coldThreshold", `${coldThreshold} must be less than hotThreshold ${hotThreshold}`)
    }
    const adaptationRate = options.adaptationRate ?? 0.25
    if (!(adaptationRate > 0 && adaptationRate < 1)) {
      return yield* fail("adaptationRate", `must be in the open interval (0, 1), got ${adaptationRate}`)
    }
    const cleanupIntervalMs = yield* millis("cleanupInterval", options.cleanupInterval ?? "60 seconds")
    const maxEntryWeight = options.maxEntryWeight ?? Number.POSITIVE_INFINITY
    if (!(maxEntryWeight > 0)) return yield* fail("maxEntryWeight", `must be positive, got ${maxEntryWeight}`)
    if (options.maxEntryWeight !== undefined && options.weigh === undefined) {
      return yield* fail("maxEntryWeight", "needs a weigh function")
    }
    return {
      maxEntries,
      ttlMs,
      minTtlMs,
      maxTtlMs,
      hotThreshold,
      coldThreshold,
      adaptationRate,
      backgroundCleanup: options.backgroundCleanup ?? true,
      cleanupIntervalMs,
      weigh: options.weigh,
      maxEntryWeight
    }
  })
