import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { AdaptiveCache } from "../../src/index.js"

/** Test defaults: ttl 100 s within [10 s, 1000 s], hot 10, cold 2, rate 0.25, no background sweeper. */
export const makeCache = (options: Partial<AdaptiveCache.Options<string, string>> = {}) =>
  AdaptiveCache.make<string, string>({
    maxEntries: 100,
    ttl: "100 seconds",
    minTtl: "10 seconds",
    maxTtl: "1000 seconds",
    backgroundCleanup: false,
    ...options
  })

/** Remaining lifetime of `key` in ms, or undefined (does not count as a read). */
export const remainingMs = (cache: AdaptiveCache.AdaptiveCache<string, string>, key: string) =>
  Effect.map(cache.expiresIn(key), (d) => Option.getOrUndefined(Option.map(d, Duration.toMillis)))

/** `n` reads of `key`. */
export const readTimes = (cache: AdaptiveCache.AdaptiveCache<string, string>, key: string, n: number) =>
  Effect.repeatN(cache.getIfPresent(key), n - 1)
