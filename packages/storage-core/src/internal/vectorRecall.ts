import type { Namespace, RecallFilters, RecallKind } from "@memory-turso/model"
import type { Database, DatabaseFailure } from "@memory-turso/pool"
import * as Effect from "effect/Effect"
import type { RecallPolicy } from "../RecallConfig.js"
import { CHUNK_FLOATS } from "./embeddingSearch.js"
import { toBlob } from "./embeddingSql.js"
import { yieldToEventLoop } from "./eventLoop.js"
import { all, type Clause, filterKey, recordConditions, tableOf } from "./recallFilters.js"
import { type VectorIndexes, vectorIndexName } from "./vectorIndex.js"

/**
 * The vector side of recall: the `k` embeddings most similar to a vector within a namespace and filters, from the
 * DiskANN index of the vector's dimension or by an exact scan.
 *
 * `vector_top_k` takes no WHERE clause: it returns the nearest rows of every namespace. So the query asks it for
 * `fetch` candidates and filters them, in the form libSQL's planner handles: `rowid IN (SELECT id FROM
 * vector_top_k(...))` (a list built once, then rowid lookups). A join of `vector_top_k` with the filtered table
 * can be planned as a scan of the table probing the index once per row (libsql issue #2212): never write it.
 * The index returns at most its `search_l` rows (libSQL's beam width, an index setting), so filters that let
 * fewer than `k` of them through need the scan. `fetch` adapts: it starts from 3k over the share of candidates this namespace and filters let through last time, grows
 * while fewer than `k` survive, and past `search_l` (or `max_candidates`) the query scans exactly instead. A namespace with at most
 * `exact_below` vectors of that dimension is scanned exactly from the start.
 */

/** One vector hit. */
export interface VectorHit {
  readonly item_type: RecallKind
  readonly item_id: string
  readonly similarity: number
}

/** How the hits were found. */
export interface VectorOutcome {
  readonly hits: ReadonlyArray<VectorHit>
  readonly plan: "index" | "exact" | "none"
  readonly candidates: number
  readonly indexQueries: number
}

/** The kinds that have embeddings. */
const EMBEDDED: ReadonlyArray<RecallKind> = ["episode", "pattern"]

/** The embedding row (alias `em`) is in the namespace, of the dimension and model, of a kind, and passes filters. */
const embeddingConditions = (
  namespace: Namespace,
  dimensions: number,
  kinds: ReadonlyArray<RecallKind>,
  filters: RecallFilters,
  viaIndex: boolean
): Clause => {
  const perKind = kinds.map((kind): Clause => {
    const conditions = recordConditions(kind, filters)
    if (conditions.length === 0) return { sql: "em.item_type = ?", args: [kind] }
    const t = tableOf(kind)
    const inner = all(conditions)
    return {
      sql: `(em.item_type = ? AND EXISTS (SELECT 1 FROM ${t.table} AS d
  WHERE d.namespace = em.namespace AND d.${t.id} = em.item_id AND ${inner.sql}))`,
      args: [kind, ...inner.args]
    }
  })
  const clauses: Array<Clause> = [
    // Through the index, `+` keeps the planner off `embeddings_by_dimensions` (without statistics it would scan
    // the namespace's entries and test each against the list): rows are then looked up by the listed rowids.
    { sql: viaIndex ? "+em.namespace = ?" : "em.namespace = ?", args: [namespace] },
    { sql: viaIndex ? "+em.dimensions = ?" : "em.dimensions = ?", args: [dimensions] },
    { sql: `(${perKind.map((c) => c.sql).join(" OR ")})`, args: perKind.flatMap((c) => c.args) }
  ]
  if (filters.model !== undefined) clauses.push({ sql: "em.model = ?", args: [filters.model] })
  return all(clauses)
}

/**
 * The statement of one search: over the index's `fetch` nearest (every row passing, the caller keeps the best),
 * or, without `fetch`, an exact scan keeping the best `k`.
 */
export const vectorStatement = (
  namespace: Namespace,
  vector: ReadonlyArray<number>,
  kinds: ReadonlyArray<RecallKind>,
  filters: RecallFilters,
  limit: { readonly fetch: number } | { readonly k: number }
): Database.Statement => {
  const blob = toBlob(vector)
  const where = embeddingConditions(namespace, vector.length, kinds, filters, "fetch" in limit)
  const select =
    "SELECT em.item_type, em.item_id, 1 - vector_distance_cos(em.vector, ?) AS similarity FROM embeddings AS em"
  if ("fetch" in limit) {
    return {
      sql: `${select}
WHERE em.rowid IN (SELECT id FROM vector_top_k('${vectorIndexName(vector.length)}', ?, ?)) AND ${where.sql}`,
      args: [blob, blob, limit.fetch, ...where.args]
    }
  }
  return {
    sql: `${select} WHERE ${where.sql} ORDER BY similarity DESC, em.item_type, em.item_id LIMIT ?`,
    args: [blob, ...where.args, limit.k]
  }
}

/** One chunk of an embedded exact scan: the rows passing after `(model, rowid)` in that order, with similarities. */
export const chunkStatement = (
  namespace: Namespace,
  vector: ReadonlyArray<number>,
  kinds: ReadonlyArray<RecallKind>,
  filters: RecallFilters,
  after: { readonly model: string; readonly rowid: number },
  rows: number
): Database.Statement => {
  const where = embeddingConditions(namespace, vector.length, kinds, filters, false)
  return {
    sql: `SELECT em.rowid AS position, em.model, em.item_type, em.item_id,
  1 - vector_distance_cos(em.vector, ?) AS similarity FROM embeddings AS em
WHERE ${where.sql} AND (em.model, em.rowid) > (?, ?) ORDER BY em.model, em.rowid LIMIT ?`,
    args: [toBlob(vector), ...where.args, after.model, after.rowid, rows]
  }
}

const hitOf = (row: Record<string, unknown>): VectorHit => ({
  item_type: row["item_type"] as RecallKind,
  item_id: String(row["item_id"]),
  similarity: Number(row["similarity"])
})

const byRank = (a: VectorHit, b: VectorHit) =>
  b.similarity - a.similarity ||
  (a.item_type < b.item_type ? -1 : a.item_type > b.item_type ? 1 : 0) ||
  (a.item_id < b.item_id ? -1 : a.item_id > b.item_id ? 1 : 0)

/** How many more candidates than `k` (over the share that passes the filters) the index is asked for. */
const OVER_FETCH = 3

/** How many selectivities are remembered before the memory starts over. */
const REMEMBERED = 10_000

/** Builds the vector search of a store. */
export const makeVectorRecall = (
  db: Database.Database["Type"],
  indexes: VectorIndexes,
  policy: RecallPolicy,
  chunkFloats: number = CHUNK_FLOATS
) => {
  /** The share of index candidates that passed, by namespace, dimension and filters (last query's). */
  const passed = new Map<string, number>()

  /**
   * The exact scan. Remote: one statement (the server does the work). Embedded: libSQL runs in this thread, so the
   * namespace's vectors are scanned in chunks of about `chunkFloats` floats in (model, rowid) order, the best `k`
   * kept here, with a turn of the event loop between chunks (as `searchEmbeddings` does).
   */
  const exact = (
    namespace: Namespace,
    vector: ReadonlyArray<number>,
    kinds: ReadonlyArray<RecallKind>,
    filters: RecallFilters,
    k: number,
    indexQueries: number
  ): Effect.Effect<VectorOutcome, DatabaseFailure> =>
    Effect.gen(function* () {
      const outcome = (hits: ReadonlyArray<VectorHit>): VectorOutcome => ({
        hits,
        plan: "exact",
        candidates: hits.length,
        indexQueries
      })
      if (db.kind !== "embedded") {
        const result = yield* db.execute(vectorStatement(namespace, vector, kinds, filters, { k }))
        return outcome(result.rows.map(hitOf))
      }
      const rows = Math.max(1, Math.floor(chunkFloats / vector.length))
      let best: Array<VectorHit> = []
      let after = { model: "", rowid: Number.MIN_SAFE_INTEGER }
      while (true) {
        const chunk = yield* db.execute(chunkStatement(namespace, vector, kinds, filters, after, rows))
        best = [...best, ...chunk.rows.map(hitOf)].sort(byRank).slice(0, k)
        const end = chunk.rows.at(-1)
        if (chunk.rows.length < rows || end === undefined) return outcome(best)
        after = { model: String(end["model"]), rowid: Number(end["position"]) }
        yield* yieldToEventLoop
      }
    })

  /**
   * Are there so few vectors of this dimension here that a scan is the better plan: at most `exact_below`, or fewer
   * than `k` (the index could never return `k` of them)? Counts at most `max(exact_below, k - 1) + 1` index entries.
   */
  const small = (namespace: Namespace, dimensions: number, k: number) =>
    Effect.map(
      db.execute({
        sql: "SELECT count(*) AS n FROM (SELECT 1 FROM embeddings WHERE namespace = ? AND dimensions = ? LIMIT ?)",
        args: [namespace, dimensions, Math.max(policy.exact_below, k - 1) + 1]
      }),
      (result) => {
        const n = Number(result.rows[0]?.["n"] ?? 0)
        return n <= policy.exact_below || n < k
      }
    )

  return (
    namespace: Namespace,
    vector: ReadonlyArray<number>,
    requested: ReadonlyArray<RecallKind>,
    filters: RecallFilters,
    k: number,
    forceExact: boolean
  ): Effect.Effect<VectorOutcome, DatabaseFailure> =>
    Effect.gen(function* () {
      const kinds = requested.filter((kind) => EMBEDDED.includes(kind))
      if (kinds.length === 0) return { hits: [], plan: "none", candidates: 0, indexQueries: 0 } satisfies VectorOutcome
      const dimensions = vector.length
      const searchL = forceExact ? undefined : yield* indexes.searchLimit(dimensions)
      if (searchL === undefined || (yield* small(namespace, dimensions, k))) {
        return yield* exact(namespace, vector, kinds, filters, k, 0)
      }
      // `vector_top_k` returns at most the index's `search_l` rows, however many are asked for
      const most = Math.min(policy.max_candidates, searchL)
      const key = `${namespace}|${dimensions}|${filterKey(kinds, filters)}`
      const share = passed.get(key) ?? 1
      // three times what the last share needs, at least 3k (the index is approximate: more candidates re-ranked
      // exactly, better recall; up to `search_l` they cost row lookups, not a deeper search)
      let fetch = Math.min(most, Math.ceil((OVER_FETCH * k) / share))
      let queries = 0
      while (true) {
        const result = yield* db.execute(vectorStatement(namespace, vector, kinds, filters, { fetch }))
        queries += 1
        const hits = result.rows.map(hitOf)
        if (passed.size >= REMEMBERED) passed.clear()
        passed.set(key, Math.max(hits.length / fetch, 1 / most))
        if (hits.length >= k) {
          return { hits: hits.sort(byRank).slice(0, k), plan: "index", candidates: fetch, indexQueries: queries }
        }
        if (fetch >= most) return yield* exact(namespace, vector, kinds, filters, k, queries)
        const share = Math.max(hits.length, 1) / fetch
        fetch = Math.min(most, Math.max(4 * fetch, Math.ceil((OVER_FETCH * k) / share)))
      }
    })
}

/** The vector search of a store. */
export type VectorRecall = ReturnType<typeof makeVectorRecall>
