import type * as FileSystem from "@effect/platform/FileSystem"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as JsonFile from "./JsonFile.js"
import { UsageError } from "./ValidatorError.js"

const NonNegative = Schema.Number.pipe(Schema.finite(), Schema.nonNegative())
const Fraction = Schema.Number.pipe(Schema.between(0, 1))

/**
 * Success criteria and rollback triggers. A `--thresholds` JSON file holds any subset of these keys; unknown keys
 * are rejected so a typo cannot silently keep a default.
 */
export const Thresholds = Schema.Struct({
  /** Criterion: cache hit rate must be above this. */
  cache_hit_rate_min: Schema.optionalWith(Fraction, { default: () => 0.8 }),
  /** Criterion: single (uncached) read p50 must be below this. */
  single_read_p50_ms_max: Schema.optionalWith(NonNegative, { default: () => 30 }),
  /** Criterion: cached read p50 must be below this. */
  cached_read_p50_ms_max: Schema.optionalWith(NonNegative, { default: () => 5 }),
  /** Criterion: batch store (10 episodes) p50 must be below this. */
  batch_store_p50_ms_max: Schema.optionalWith(NonNegative, { default: () => 200 }),
  /** Criterion: keep-alive stale rate must be below this. */
  stale_rate_max: Schema.optionalWith(Fraction, { default: () => 0.05 }),
  /** Criterion: compression ratio (bytes out / bytes in) must be at most this. */
  compression_ratio_max: Schema.optionalWith(NonNegative, { default: () => 0.4 }),
  /** Criterion: errors (own non-2xx answers plus the 5xx of other clients in /metrics) must be at most this. */
  errors_max: Schema.optionalWith(Schema.NonNegativeInt, { default: () => 0 }),
  /** Trigger: error rate up by more than this many percentage points against the baseline... */
  rollback_error_rate_points: Schema.optionalWith(NonNegative, { default: () => 5 }),
  /** ...measured over at least this many requests (fewer: the trigger is skipped; `watch` widens its window). */
  rollback_error_rate_min_requests: Schema.optionalWith(Schema.NonNegativeInt, { default: () => 100 }),
  /** Trigger: an operation's p50 more than this many times the baseline's... */
  rollback_p50_factor: Schema.optionalWith(NonNegative, { default: () => 2 }),
  /** ...and slower than the baseline by more than this many milliseconds (noise floor for sub-ms latencies). */
  rollback_p50_min_increase_ms: Schema.optionalWith(NonNegative, { default: () => 1 }),
  /** Trigger: process RSS above this (3 GiB). */
  rollback_rss_bytes_max: Schema.optionalWith(NonNegative, { default: () => 3 * 1024 ** 3 }),
  /** Trigger: cache hit rate below this. */
  rollback_cache_hit_rate_min: Schema.optionalWith(Fraction, { default: () => 0.3 }),
  /** Trigger: pool timeouts grew by more than this during the run. */
  rollback_pool_timeouts_max: Schema.optionalWith(Schema.NonNegativeInt, { default: () => 0 })
})
export type Thresholds = typeof Thresholds.Type

/** The documented defaults. */
export const defaults: Thresholds = Schema.decodeUnknownSync(Thresholds)({})

/** The keys a thresholds file may hold. */
export const keys: ReadonlyArray<keyof Thresholds> = Object.keys(defaults) as Array<keyof Thresholds>

const decode = Schema.decodeUnknown(Thresholds, { onExcessProperty: "error", errors: "all" })

/** Decodes thresholds from parsed JSON; `source` names where they came from in error messages. */
export const fromJson = (json: unknown, source: string): Effect.Effect<Thresholds, UsageError> =>
  Effect.mapError(
    decode(json),
    (error) =>
      new UsageError({
        detail: `${source} is not a valid thresholds file (${JsonFile.issues(error)}); keys: ${keys.join(", ")}`
      })
  )

/** Reads a thresholds JSON file; defaults fill every key it leaves out. */
export const load = (path: string): Effect.Effect<Thresholds, UsageError, FileSystem.FileSystem> =>
  Effect.flatMap(JsonFile.read(path, "the thresholds file"), (json) => fromJson(json, `the thresholds file ${path}`))
