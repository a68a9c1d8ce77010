import { RecallConfig } from "@memory-turso/storage-core"

/**
 * `[recall]`: the vector index (`index_vectors`, `metric`, `max_neighbors`, `compress_neighbors`, `search_l`), the
 * fusion (`rrf_k`), when the index gives way to an exact scan (`exact_below`, `max_candidates`) and whether recall
 * counts retrievals by default (`count_retrievals`); see `RecallConfig` in `@memory-turso/storage-core`.
 */
export const RecallSection = RecallConfig.RecallPolicy
export type RecallSection = typeof RecallSection.Type
