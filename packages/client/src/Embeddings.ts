import type { Embedding, ItemType, SimilarityMatch } from "@memory-turso/model"
import type { EmbeddingInput, SimilarityQueryInput } from "./Bodies.js"
import type { CallOptions } from "./Exchange.js"

/** Embeddings of the namespace's episodes and patterns, and similarity search over them. */
export interface EmbeddingClient {
  /** Stores an item's embedding (the episode or pattern must exist: `not_found` otherwise); answers it as stored. */
  readonly put: (
    itemType: ItemType,
    itemId: string,
    embedding: EmbeddingInput,
    options?: CallOptions
  ) => Promise<Embedding>
  /** Reads an item's embedding (`not_found` if it has none). */
  readonly get: (itemType: ItemType, itemId: string, options?: CallOptions) => Promise<Embedding>
  /** Deletes an item's embedding (`not_found` if it has none). */
  readonly delete: (itemType: ItemType, itemId: string, options?: CallOptions) => Promise<void>
  /**
   * The `k` nearest embeddings of the query's dimension by cosine similarity, most similar first (a response the
   * server's byte budget cut short is followed with its cursor, so this may take more than one request).
   */
  readonly search: (query: SimilarityQueryInput, options?: CallOptions) => Promise<ReadonlyArray<SimilarityMatch>>
}
