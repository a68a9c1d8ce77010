import type { Embedding, ItemType, Namespace, SimilarityQuery } from "@memory-turso/model"
import type { Database } from "@memory-turso/pool"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import { mark, Replay } from "../Replay.js"
import { NotFound, PreconditionFailed } from "../StorageError.js"
import type { VersionCondition } from "../WriteOptions.js"
import { searchPage } from "./embeddingSearch.js"
import * as EmbeddingSql from "./embeddingSql.js"
import type { VectorIndexes } from "./vectorIndex.js"
import { unknownOutcome } from "./writeOutcome.js"

const versionOf = (result: { readonly rows: ReadonlyArray<Record<string, unknown>> } | undefined) => {
  const row = result?.rows[0]
  return row === undefined ? undefined : Number(row["version"])
}

/**
 * Storage's embedding operations: native float32 vectors, one per item, searched by cosine similarity in pages of
 * at most `budget` bytes. Writes and deletes take an optional expected version, as documents do (see
 * `makeDocumentStore`).
 */
export const makeEmbeddingStore = (db: Database.Database["Type"], budget: number, indexes: VectorIndexes) => ({
  upsertEmbedding: Effect.fn("Storage.upsertEmbedding")(function* (
    namespace: Namespace,
    embedding: Embedding,
    options: VersionCondition = {}
  ) {
    // the dimension's vector table exists before the write, whose triggers then fill it
    yield* indexes.ensure(embedding.vector.length)
    const now = yield* Clock.currentTimeMillis
    const { version: _ignored, ...input } = embedding
    const expected = options.ifVersion
    const replay = expected === undefined ? undefined : new Replay()
    const [written, current] = yield* db
      .batch(mark(EmbeddingSql.writeEmbedding(namespace, input, now, expected), replay), "write")
      .pipe(unknownOutcome("embedding", `${input.item_type}/${input.item_id}`))
    const version = versionOf(written)
    if (version !== undefined) return { ...input, version }
    if (expected === undefined) return yield* new NotFound({ entity: input.item_type, id: input.item_id })
    if (current?.rows[0] !== undefined && Number(current.rows[0]["ours"]) === 1)
      return { ...input, version: expected + 1 }
    return yield* new PreconditionFailed({
      entity: "embedding",
      id: `${input.item_type}/${input.item_id}`,
      expected,
      actual: versionOf(current)
    })
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
    itemId: string,
    options: VersionCondition = {}
  ) {
    const id = `${itemType}/${itemId}`
    const expected = options.ifVersion
    if (expected === undefined) {
      const result = yield* db
        .execute(EmbeddingSql.deleteEmbedding(namespace, itemType, itemId))
        .pipe(unknownOutcome("embedding", id))
      if (result.rowsAffected === 0) return yield* new NotFound({ entity: "embedding", id })
      return
    }
    // At an expected version: safe to replay, and a replay that finds nothing reports the first attempt's delete.
    const replay = new Replay()
    const statements = [
      EmbeddingSql.deleteEmbedding(namespace, itemType, itemId, expected),
      EmbeddingSql.embeddingVersion(namespace, itemType, itemId)
    ]
    const [deleted, current] = yield* db.batch(mark(statements, replay), "write").pipe(unknownOutcome("embedding", id))
    if (deleted!.rowsAffected > 0) return
    const actual = versionOf(current)
    if (actual === undefined && replay.replays > 0) return
    return yield* new PreconditionFailed({ entity: "embedding", id, expected, actual })
  }),
  searchEmbeddings: Effect.fn("Storage.searchEmbeddings")((namespace: Namespace, query: SimilarityQuery) =>
    searchPage(db, namespace, query, budget)
  )
})
