import { CompressionConfig } from "@memory-turso/compression"
import { StorageConfig } from "@memory-turso/storage-core"
import * as Schema from "effect/Schema"

/**
 * `[compression]` as operators write it: the codec's keys (`enabled`, `algorithm`, `level`, `threshold_bytes`,
 * `min_savings`, see `@memory-turso/compression`) and storage's (`compress_episodes`, `compress_patterns`,
 * `compress_embeddings`, `use_dictionary`, `dictionary_bytes`, `dictionary_samples`, see `StorageConfig`), each with
 * its own messages; a dictionary needs zstd.
 */
export const CompressionSection = Schema.extend(
  CompressionConfig.CompressionConfig,
  StorageConfig.CompressionPolicy
).pipe(
  Schema.filter((section) =>
    section.algorithm !== "zstd" && section.use_dictionary
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

/** Storage's part of the section. */
export const storagePolicy = (section: CompressionSection): StorageConfig.CompressionPolicy => ({
  compress_episodes: section.compress_episodes,
  compress_patterns: section.compress_patterns,
  compress_embeddings: section.compress_embeddings,
  use_dictionary: section.use_dictionary,
  dictionary_bytes: section.dictionary_bytes,
  dictionary_samples: section.dictionary_samples
})
