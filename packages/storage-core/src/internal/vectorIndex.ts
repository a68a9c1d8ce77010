import type { Database, DatabaseFailure } from "@memory-turso/pool"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import { indexSettings, type RecallPolicy } from "../RecallConfig.js"

/**
 * Per-dimension vector indexes. A DiskANN index needs a column of one declared dimension (`F32_BLOB(n)`), and
 * `embeddings` holds every dimension, so each dimension gets a table `embedding_vectors_<n>` keyed by the
 * embedding's rowid, its index `embedding_vectors_<n>_idx`, and triggers on `embeddings` that keep it in step
 * with every insert, update and delete of an embedding of that dimension (deletes cascading from a record's delete
 * included), in the writing statement's transaction. The table is created, and filled from the embeddings
 * already stored, the first time a process writes or searches that dimension; `vector_indexes` lists the
 * dimensions that have one.
 */

/** The table holding one dimension's vectors. */
export const vectorTable = (dimensions: number): string => `embedding_vectors_${dimensions}`

/** The DiskANN index of one dimension's vectors, as `vector_top_k` names it. */
export const vectorIndexName = (dimensions: number): string => `${vectorTable(dimensions)}_idx`

/** The statements creating one dimension's table, index and triggers, filling it, and registering it. */
export const createStatements = (
  dimensions: number,
  policy: RecallPolicy,
  now: number
): ReadonlyArray<Database.Statement> => {
  if (!Number.isInteger(dimensions) || dimensions < 1) throw new Error(`invalid dimensions ${dimensions}`)
  const table = vectorTable(dimensions)
  const settings = indexSettings(policy)
  const d = dimensions
  const sql = [
    `CREATE TABLE IF NOT EXISTS ${table} (embedding_rowid INTEGER PRIMARY KEY, vector F32_BLOB(${d}) NOT NULL)`,
    `CREATE INDEX IF NOT EXISTS ${vectorIndexName(d)} ON ${table}
      (libsql_vector_idx(vector, ${settings.map((s) => `'${s}'`).join(", ")}))`,
    // (a conflict clause inside a trigger yields to the outer statement's: delete, then insert)
    `CREATE TRIGGER IF NOT EXISTS ${table}_insert AFTER INSERT ON embeddings WHEN new.dimensions = ${d} BEGIN
      DELETE FROM ${table} WHERE embedding_rowid = new.rowid;
      INSERT INTO ${table} (embedding_rowid, vector) VALUES (new.rowid, new.vector);
    END`,
    `CREATE TRIGGER IF NOT EXISTS ${table}_update AFTER UPDATE OF vector, dimensions ON embeddings
    WHEN old.dimensions = ${d} OR new.dimensions = ${d} BEGIN
      DELETE FROM ${table} WHERE embedding_rowid = old.rowid;
      INSERT INTO ${table} (embedding_rowid, vector) SELECT new.rowid, new.vector WHERE new.dimensions = ${d};
    END`,
    `CREATE TRIGGER IF NOT EXISTS ${table}_delete AFTER DELETE ON embeddings WHEN old.dimensions = ${d} BEGIN
      DELETE FROM ${table} WHERE embedding_rowid = old.rowid;
    END`
  ]
  return [
    ...sql.map((text) => ({ sql: text, args: [] })),
    // embeddings stored before this dimension had an index (once: not when another process registered it)
    {
      sql: `INSERT OR IGNORE INTO ${table} (embedding_rowid, vector)
SELECT rowid, vector FROM embeddings WHERE dimensions = ?1
  AND NOT EXISTS (SELECT 1 FROM vector_indexes WHERE dimensions = ?1)`,
      args: [d]
    },
    {
      sql: "INSERT OR IGNORE INTO vector_indexes (dimensions, settings, created_at) VALUES (?, ?, ?)",
      args: [d, settings.join(","), now]
    }
  ]
}

/** libSQL's `search_l` when an index's settings do not name it. */
const DEFAULT_SEARCH_L = 200

/** The `search_l` of recorded settings: the most rows `vector_top_k` returns from that index. */
export const searchLimitOf = (settings: string): number => {
  const match = /(?:^|,)search_l=(\d+)/.exec(settings)
  return match === null ? DEFAULT_SEARCH_L : Number(match[1])
}

/**
 * The dimensions this process knows to have an index (with the index's `search_l`), and the creation of the others:
 * `ensure(n)` before a write or search of dimension `n` costs nothing once `n` is known, and a batch the first time.
 */
export const makeVectorIndexes = (db: Database.Database["Type"], policy: RecallPolicy) => {
  const known = new Map<number, number>()
  const refresh = Effect.map(
    db.execute({ sql: "SELECT dimensions, settings FROM vector_indexes", args: [] }),
    (result) => {
      for (const row of result.rows) known.set(Number(row["dimensions"]), searchLimitOf(String(row["settings"])))
      return known
    }
  )
  const ensure = (dimensions: number): Effect.Effect<boolean, DatabaseFailure> =>
    Effect.gen(function* () {
      if (!policy.index_vectors) return false
      if (known.has(dimensions)) return true
      const now = yield* Clock.currentTimeMillis
      yield* db.batch(createStatements(dimensions, policy, now), "write")
      // the settings it was built with (another process may have built it first)
      yield* refresh
      return true
    })
  /**
   * At start: the dimensions registered, and an index for every dimension of the stored embeddings that has none
   * (a database migrated with embeddings, or indexing just turned on).
   */
  const start = Effect.gen(function* () {
    yield* refresh
    if (!policy.index_vectors) return
    const stored = yield* db.execute({ sql: "SELECT DISTINCT dimensions FROM embeddings", args: [] })
    for (const row of stored.rows) yield* ensure(Number(row["dimensions"]))
  })
  /**
   * The most rows the index of dimension `n` returns per query (its `search_l`), or undefined when it has none
   * (looking in the database once when this process does not know it).
   */
  const searchLimit = (dimensions: number): Effect.Effect<number | undefined, DatabaseFailure> =>
    !policy.index_vectors
      ? Effect.succeed(undefined)
      : known.has(dimensions)
        ? Effect.succeed(known.get(dimensions))
        : Effect.map(refresh, (map) => map.get(dimensions))
  return { ensure, start, searchLimit }
}

/** The vector indexes of a store. */
export type VectorIndexes = ReturnType<typeof makeVectorIndexes>
