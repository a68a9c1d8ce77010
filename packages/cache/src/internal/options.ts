import * as Duration from "effect/Duration"
import * as Either from "effect/Either"
import { CacheOptionsError, type Options } from "../CacheOptions.js"

/** Options with defaults applied, durations in milliseconds. */
export interface Resolved<V, K> {
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
  readonly weighKey: (key: K) => number
  readonly maxEntryWeight: number
  readonly supersedes: ((next: V, current: V) => boolean) | undefined
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

/** The default key weight: two bytes per character of a string, 8 for a number, 0 for anything else. */
export const defaultWeighKey = (key: unknown): number =>
  typeof key === "string" ? 2 * key.length : typeof key === "number" ? 8 : 0

/** Applies defaults and checks every option. */
export const resolve = <V, K>(options: Options<V, K>): Either.Either<Resolved<V, K>, CacheOptionsError> =>
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
      weighKey: options.weighKey ?? defaultWeighKey,
      maxEntryWeight,
      supersedes: options.supersedes
    }
  })
