import { Codec, CompressionConfig } from "@memory-turso/compression"
import type * as Duration from "effect/Duration"
import * as Schema from "effect/Schema"
import type { RecallPolicyInput } from "./RecallConfig.js"

const flag = (value: boolean) => Schema.optionalWith(Schema.Boolean, { default: () => value })

/** A number in `min..max`, with the operator's message. */
const fractionIn = (key: string, min: number, max: number) =>
  Schema.Number.pipe(
    Schema.between(min, max),
    Schema.annotations({
      message: (issue) => ({
        message: `${key} ${String(issue.actual)} is out of range (${min}..${max})`,
        override: true
      })
    })
  )

/**
 * Storage's keys of the `[compression]` section: which records go through the codec, and the dictionary policy (zstd
 * dictionaries built from the most recent episodes, kept in the database, rebuilt when the ratio drifts, removed
 * when no row uses them). The codec's own keys (algorithm,
 * level, thresholds) belong to `@memory-turso/compression`.
 */
export const CompressionPolicy = Schema.Struct({
  compress_episodes: flag(true),
  /** Patterns and heuristics. */
  compress_patterns: flag(true),
  /** Accepted and without effect: embeddings stay native float32 vectors so libSQL can compute distances. */
  compress_embeddings: flag(false),
  /**
   * Write with a zstd dictionary built from stored episodes (on by default; it needs compression enabled with
   * algorithm zstd, and does nothing otherwise). Off: no new writes use one; rows written with one stay readable.
   */
  use_dictionary: flag(true),
  /** Size of a built dictionary. */
  dictionary_bytes: Schema.optionalWith(
    CompressionConfig.integerIn("dictionary_bytes", 1024, Codec.MAX_DICTIONARY_BYTES),
    {
      default: () => 64 * 1024
    }
  ),
  /**
   * How many of the most recent episodes a dictionary is built from (and how many must be stored before the first
   * is built, in the background).
   */
  dictionary_samples: Schema.optionalWith(CompressionConfig.integerIn("dictionary_samples", 1, 10_000), {
    default: () => 200
  }),
  /**
   * How far the ratio of the latest `dictionary_drift_window` episode writes may rise above the ratio the current
   * dictionary reached on held-out episodes when it was built, before a new one is built from recent episodes
   * (stored bytes over JSON bytes, e.g. 0.05: from 0.30 to 0.35).
   */
  dictionary_rebuild_drift: Schema.optionalWith(fractionIn("dictionary_rebuild_drift", 0.001, 1), {
    default: () => 0.05
  }),
  /** How many of the latest episode writes the drift is measured over. */
  dictionary_drift_window: Schema.optionalWith(CompressionConfig.integerIn("dictionary_drift_window", 1, 100_000), {
    default: () => 100
  }),
  /**
   * Seconds between sweeps that remove dictionaries no row uses (never the newest nor the one this process writes
   * with), and adopt a newer dictionary another process built. 0: never.
   */
  dictionary_sweep_interval_secs: Schema.optionalWith(
    CompressionConfig.integerIn("dictionary_sweep_interval_secs", 0, 7 * 24 * 3600),
    { default: () => 600 }
  )
})
/** The policy with defaults applied. */
export type CompressionPolicy = typeof CompressionPolicy.Type
/** The policy as written (every key optional). */
export type CompressionPolicyInput = typeof CompressionPolicy.Encoded

/** Every default: episodes and patterns compressed, with a dictionary once enough episodes are stored. */
export const defaultCompressionPolicy: CompressionPolicy = Schema.decodeSync(CompressionPolicy)({})

/** The default response byte budget: 4 MiB of documents per page or batch read. */
export const DEFAULT_MAX_RESPONSE_BYTES = 4 * 1024 * 1024

/** A response byte budget: a positive integer. */
export const MaxResponseBytes = Schema.Number.pipe(
  Schema.int(),
  Schema.positive(),
  Schema.annotations({
    message: (issue) => ({
      message: `maxResponseBytes ${String(issue.actual)} is not a positive integer`,
      override: true
    })
  })
)

/** Options of the storage layer. */
export interface Options {
  /** Which records are compressed and the dictionary policy (default: `defaultCompressionPolicy`). */
  readonly compression?: CompressionPolicyInput | undefined
  /** How long idempotency keys are kept, per namespace (default 24 hours); older ones are trimmed. */
  readonly idempotencyWindow?: Duration.DurationInput | undefined
  /**
   * The byte budget of one page or batch read, measured on the documents' JSON (default
   * `DEFAULT_MAX_RESPONSE_BYTES`): a listing stops early and returns its `next_cursor`, a batch read reports the
   * rest as `unread`. A single document larger than the budget is still served, alone.
   */
  readonly maxResponseBytes?: number | undefined
  /** Recall: the vector index settings, fusion, fallbacks and retrieval counting (default: `defaultRecallPolicy`). */
  readonly recall?: RecallPolicyInput | undefined
}
