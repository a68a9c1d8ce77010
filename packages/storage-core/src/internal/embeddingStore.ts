import type { Embedding, ItemType, Namespace, SimilarityQuery } from "@memory-turso/model"
import type { Database } from "@memory-turso/pool"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import { NotFound } from "../StorageError.js"
import { searchPage } from "./embeddingSearch.js"
import * as EmbeddingSql from "./embeddingSql.js"

/**
 * Storage's embedding operations: native float32 vectors, one per item, searched by cosine similarity in pages of
 * at most `budget` bytes.
 */
export const makeEmbeddingStore = (db: Database.Database["Type"], budget: number) => ({
  upsertEmbedding: Effect.fn("Storage.upsertEmbedding")(function* (namespace: Namespace, embedding: Embedding) {
    const now = yield* Clock.currentTimeMillis
    const result = yield* db.execute(EmbeddingSql.upsertEmbedding(namespace, embedding, now))
    if (result.rowsAffected === 0) {
      return yield* Effect.fail(new NotFound({ entity: embedding.item_type, id: embedding.item_id }))
    }
    return embedding
  }),
  getEmbedding: Effect.fn("Storage.getEmbedding")(function* (namespace: Namespace, itemType: ItemType, itemId: string) {
    const result = yield* db.execute(EmbeddingSql.selectEmbedding(namespace, itemType, itemId))
    const row = result.rows[0]
    if (row === undefined) return yield* Effect.fail(new NotFound({ entity: "embedding", id: `${itemType}/${itemId}` }))
    return EmbeddingSql.embeddingOf(row)
  }),
  deleteEmbedding: Effect.fn("Storage.deleteEmbedding")(function* (
    namespace: Namespace,
    itemType: ItemType,
    itemId: string
  ) {
    const result = yield* db.execute(EmbeddingSql.deleteEmbedding(namespace, itemType, itemId))
    if (result.rowsAffected === 0) {
      return yield* Effect.fail(new NotFound({ entity: "embedding", id: `${itemType}/${itemId}` }))
    }
  }),
  searchEmbeddings: Effect.fn("Storage.searchEmbeddings")((namespace: Namespace, query: SimilarityQuery) =>
    searchPage(db, namespace, query, budget)
  )
})
