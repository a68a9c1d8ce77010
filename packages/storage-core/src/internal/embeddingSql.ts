import type { Row } from "@libsql/client"
import type { Embedding, ItemType, Namespace } from "@memory-turso/model"
import type { Database } from "@memory-turso/pool"

const UPSERT = `INSERT INTO embeddings (namespace, item_type, item_id, model, dimensions, vector, created_at, updated_at)
SELECT ?7, ?1, ?2, ?3, ?4, ?5, ?6, ?6
WHERE (?1 = 'episode' AND EXISTS (SELECT 1 FROM episodes WHERE namespace = ?7 AND episode_id = ?2))
   OR (?1 = 'pattern' AND EXISTS (SELECT 1 FROM patterns WHERE namespace = ?7 AND pattern_id = ?2))
ON CONFLICT (namespace, item_type, item_id) DO UPDATE SET model = excluded.model, dimensions = excluded.dimensions,
  vector = excluded.vector, updated_at = excluded.updated_at`

/** A vector as libSQL's native float32 blob. */
export const toBlob = (vector: ReadonlyArray<number>): Uint8Array => new Uint8Array(Float32Array.from(vector).buffer)

/** A float32 blob back to numbers. */
export const fromBlob = (blob: ArrayBuffer): ReadonlyArray<number> => Array.from(new Float32Array(blob))

/** Stores an embedding only if its item exists in the namespace (0 rows affected otherwise). */
export const upsertEmbedding = (namespace: Namespace, embedding: Embedding, now: number): Database.Statement => ({
  sql: UPSERT,
  args: [
    embedding.item_type,
    embedding.item_id,
    embedding.model,
    embedding.vector.length,
    toBlob(embedding.vector),
    now,
    namespace
  ]
})

/** Reads one embedding. */
export const selectEmbedding = (namespace: Namespace, itemType: ItemType, itemId: string): Database.Statement => ({
  sql: "SELECT item_type, item_id, model, vector FROM embeddings WHERE namespace = ? AND item_type = ? AND item_id = ?",
  args: [namespace, itemType, itemId]
})

/** Deletes one embedding. */
export const deleteEmbedding = (namespace: Namespace, itemType: ItemType, itemId: string): Database.Statement => ({
  sql: "DELETE FROM embeddings WHERE namespace = ? AND item_type = ? AND item_id = ?",
  args: [namespace, itemType, itemId]
})

/** The embedding in a row. */
export const embeddingOf = (row: Row): Embedding => ({
  item_type: row["item_type"] as ItemType,
  item_id: String(row["item_id"]),
  model: String(row["model"]),
  vector: fromBlob(row["vector"] as ArrayBuffer)
})
