import { CompressionConfig } from "@memory-turso/compression"
import { StorageConfig } from "@memory-turso/storage-core"
import * as Schema from "effect/Schema"

/**
 * `[compression]` as operators write it: the codec's keys (`enabled`, `algorithm`, `level`, `threshold_bytes`,
 * `min_savings`, see `@memory-turso/compression`) and storage's (`compress_episodes`, `compress_patterns`,
 * `compress_embeddings`, `use_dictionary`, `dictionary_bytes`, `dictionary_samples`, `dictionary_rebuild_drift`,
 * `dictionary_drift_window`, `dictionary_sweep_interval_secs`, see `StorageConfig`), each with its own messages.
 * `use_dictionary` left out means on with zstd (the default algorithm) and off with gzip; set to true, it needs zstd.
 */
export const CompressionSection = Schema.extend(
  CompressionConfig.CompressionConfig,
  Schema.Struct({ ...StorageConfig.CompressionPolicy.fields, use_dictionary: Schema.optional(Schema.Boolean) })
).pipe(
  Schema.filter((section) =>
    section.algorithm !== "zstd" && section.use_dictionary === true
      ? { path: ["use_dictionary"], message: 'use_dictionary needs algorithm "zstd"' }
      : undefined
  )
)
export type CompressionSection = typeof CompressionSection.Type

/** The codec's part of the section. */
export const codecSettings = (section: CompressionSection): CompressionConfig.CompressionConfig => ({
  enabled: section.enabled,
  threshold_bytes: section.threshold_bytes,
  level: section.level,
  algorithm: section.algorithm,
  min_savings: section.min_savings
})

/** Whether new writes use a dictionary: as set, else with zstd. */
export const usesDictionary = (section: CompressionSection): boolean =>
  section.use_dictionary ?? section.algorithm === "zstd"

/** Storage's part of the section. */
export const storagePolicy = (section: CompressionSection): StorageConfig.CompressionPolicy => ({
  compress_episodes: section.compress_episodes,
  compress_patterns: section.compress_patterns,
  compress_embeddings: section.compress_embeddings,
  use_dictionary: usesDictionary(section),
  dictionary_bytes: section.dictionary_bytes,
  dictionary_samples: section.dictionary_samples,
  dictionary_rebuild_drift: section.dictionary_rebuild_drift,
  dictionary_drift_window: section.dictionary_drift_window,
  dictionary_sweep_interval_secs: section.dictionary_sweep_interval_secs
})
