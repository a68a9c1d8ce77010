import type { Row } from "@libsql/client"
import type { Embedding, ItemType, Namespace } from "@memory-turso/model"
import type { Database } from "@memory-turso/pool"

const UPSERT = `INSERT INTO embeddings (namespace, item_type, item_id, model, dimensions, vector, created_at, updated_at)
SELECT ?7, ?1, ?2, ?3, ?4, ?5, ?6, ?6
WHERE (?1 = 'episode' AND EXISTS (SELECT 1 FROM episodes WHERE namespace = ?7 AND episode_id = ?2))
   OR (?1 = 'pattern' AND EXISTS (SELECT 1 FROM patterns WHERE namespace = ?7 AND pattern_id = ?2))
ON CONFLICT (namespace, item_type, item_id) DO UPDATE SET model = excluded.model, dimensions = excluded.dimensions,
  vector = excluded.vector, updated_at = excluded.updated_at, version = embeddings.version + 1
RETURNING version`

/** `UPSERT`'s arguments and the expected version (?8): replaces the embedding only at that version. */
const UPDATE = `UPDATE embeddings SET model = ?3, dimensions = ?4, vector = ?5, updated_at = ?6, version = version + 1
WHERE namespace = ?7 AND item_type = ?1 AND item_id = ?2 AND version = ?8
RETURNING version`

/** The embedding's version and whether it holds a given write (`ours`): see `holds` in `documentTable`. */
const HOLDS = `SELECT version, (version = ?4 AND updated_at = ?5 AND vector = ?6 AND model = ?7) AS ours
FROM embeddings WHERE namespace = ?1 AND item_type = ?2 AND item_id = ?3`

const KEY = "namespace = ? AND item_type = ? AND item_id = ?"

/** A vector as libSQL's native float32 blob. */
export const toBlob = (vector: ReadonlyArray<number>): Uint8Array => new Uint8Array(Float32Array.from(vector).buffer)

/** A float32 blob back to numbers. */
export const fromBlob = (blob: ArrayBuffer): ReadonlyArray<number> => Array.from(new Float32Array(blob))

const upsertArgs = (namespace: Namespace, embedding: Embedding, vector: Uint8Array, now: number) => [
  embedding.item_type,
  embedding.item_id,
  embedding.model,
  embedding.vector.length,
  vector,
  now,
  namespace
]

/**
 * The statements that store an embedding, and the index of the one returning its new version. Unconditional: an
 * upsert, only if its item exists in the namespace (no row returned otherwise). At an expected version: an update at
 * that version, then `HOLDS`, which tells a replay that finds its first attempt applied.
 */
export const writeEmbedding = (
  namespace: Namespace,
  embedding: Embedding,
  now: number,
  expected: number | undefined
): ReadonlyArray<Database.Statement> => {
  const vector = toBlob(embedding.vector)
  const args = upsertArgs(namespace, embedding, vector, now)
  if (expected === undefined) return [{ sql: UPSERT, args }]
  return [
    { sql: UPDATE, args: [...args, expected] },
    {
      sql: HOLDS,
      args: [namespace, embedding.item_type, embedding.item_id, expected + 1, now, vector, embedding.model]
    }
  ]
}

/** Reads one embedding. */
export const selectEmbedding = (namespace: Namespace, itemType: ItemType, itemId: string): Database.Statement => ({
  sql: `SELECT item_type, item_id, model, vector, version FROM embeddings WHERE ${KEY}`,
  args: [namespace, itemType, itemId]
})

/** Deletes one embedding; at an expected version only, when one is given. */
export const deleteEmbedding = (
  namespace: Namespace,
  itemType: ItemType,
  itemId: string,
  expected?: number
): Database.Statement =>
  expected === undefined
    ? { sql: `DELETE FROM embeddings WHERE ${KEY}`, args: [namespace, itemType, itemId] }
    : { sql: `DELETE FROM embeddings WHERE ${KEY} AND version = ?`, args: [namespace, itemType, itemId, expected] }

/** The version of one embedding, if there is one. */
export const embeddingVersion = (namespace: Namespace, itemType: ItemType, itemId: string): Database.Statement => ({
  sql: `SELECT version FROM embeddings WHERE ${KEY}`,
  args: [namespace, itemType, itemId]
})

/** The embedding in a row. */
export const embeddingOf = (row: Row): Embedding => ({
  item_type: row["item_type"] as ItemType,
  item_id: String(row["item_id"]),
  model: String(row["model"]),
  vector: fromBlob(row["vector"] as ArrayBuffer),
  version: Number(row["version"])
})
