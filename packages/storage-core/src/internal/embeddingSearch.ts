import type { InValue, Row } from "@libsql/client"
import type { ItemType, Namespace, SimilarityMatch, SimilarityQuery } from "@memory-turso/model"
import type { Database, DatabaseFailure } from "@memory-turso/pool"
import * as Effect from "effect/Effect"
import type { Page } from "../Storage.js"
import { InvalidCursor } from "../StorageError.js"
import { ByteBudget } from "./budget.js"
import { toBlob } from "./embeddingSql.js"
import { yieldToEventLoop } from "./eventLoop.js"

/**
 * Similarity search within a byte budget, in pages. Matches rank by similarity (descending), then item type and id
 * (ascending); a page cut short by the budget carries a cursor, the rank of its last match, and the next page
 * continues after it.
 *
 * On a remote database the search is one statement (the server does the work). On an embedded one, libSQL runs
 * in this thread, so an exact scan would block the event loop for as long as it takes: the namespace's vectors
 * are read in chunks of about `CHUNK_FLOATS` floats, in the order of the `embeddings_by_dimensions` index
 * (model, then rowid), each chunk's similarities computed by libSQL, the best `k` kept here, with a turn of the
 * event loop between two chunks. The chunks are not one snapshot: an embedding rewritten during the scan may
 * be seen with its old or its new value (the newer one wins when both are).
 */

/** The rank of a match: after this one, the next page starts. */
interface Rank {
  readonly similarity: number
  readonly item_type: string
  readonly item_id: string
}

/** About how many floats one chunk of an embedded scan reads (2 MiB of vectors, a few milliseconds of work). */
export const CHUNK_FLOATS = 512 * 1024

const byRank = (a: Rank, b: Rank): number =>
  b.similarity - a.similarity ||
  (a.item_type < b.item_type ? -1 : a.item_type > b.item_type ? 1 : 0) ||
  (a.item_id < b.item_id ? -1 : a.item_id > b.item_id ? 1 : 0)

/** An opaque cursor for the rank of a match in one namespace. */
const encodeCursor = (namespace: Namespace, rank: Rank): string =>
  Buffer.from(
    JSON.stringify(["similarity", rank.similarity, rank.item_type, rank.item_id, namespace]),
    "utf8"
  ).toString("base64url")

/** Reads a search cursor back; anything this store did not issue, or issued in another namespace, is invalid. */
export const decodeCursor = (namespace: Namespace, cursor: string): Effect.Effect<Rank, InvalidCursor> =>
  Effect.try({
    try: () => {
      const parsed: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"))
      if (
        Array.isArray(parsed) &&
        parsed.length === 5 &&
        parsed[0] === "similarity" &&
        typeof parsed[1] === "number" &&
        Number.isFinite(parsed[1]) &&
        (parsed[2] === "episode" || parsed[2] === "pattern") &&
        typeof parsed[3] === "string" &&
        parsed[4] === namespace
      ) {
        return { similarity: parsed[1], item_type: parsed[2], item_id: parsed[3] }
      }
      throw new Error("malformed")
    },
    catch: () => new InvalidCursor({ cursor })
  })

const matchOf = (row: Row): SimilarityMatch => ({
  item_type: row["item_type"] as ItemType,
  item_id: String(row["item_id"]),
  model: String(row["model"]),
  similarity: Number(row["similarity"])
})

/** Does a match rank after `after` (or is there no cursor)? */
const isAfter = (match: Rank, after: Rank | undefined) => after === undefined || byRank(after, match) < 0

/** The equality filters of a query besides namespace and dimensions, as SQL and arguments. */
const filtersOf = (query: SimilarityQuery) => {
  const where: Array<string> = []
  const args: Array<InValue> = []
  if (query.item_type !== undefined) {
    where.push("item_type = ?")
    args.push(query.item_type)
  }
  if (query.model !== undefined) {
    where.push("model = ?")
    args.push(query.model)
  }
  return { where, args }
}

/** One statement: the best `k` after the cursor (remote databases). */
const searchAtOnce = (
  db: Database.Database["Type"],
  namespace: Namespace,
  query: SimilarityQuery,
  after: Rank | undefined
) => {
  const filters = filtersOf(query)
  const outer: Array<string> = []
  const outerArgs: Array<InValue> = []
  if (query.threshold !== undefined) {
    outer.push("similarity >= ?")
    outerArgs.push(query.threshold)
  }
  if (after !== undefined) {
    outer.push("(similarity < ? OR (similarity = ? AND (item_type, item_id) > (?, ?)))")
    outerArgs.push(after.similarity, after.similarity, after.item_type, after.item_id)
  }
  const sql = `SELECT item_type, item_id, model, similarity FROM (
  SELECT item_type, item_id, model, 1 - vector_distance_cos(vector, ?) AS similarity
  FROM embeddings WHERE ${["namespace = ?", "dimensions = ?", ...filters.where].join(" AND ")}
)${outer.length > 0 ? ` WHERE ${outer.join(" AND ")}` : ""} ORDER BY similarity DESC, item_type, item_id LIMIT ?`
  const args = [toBlob(query.vector), namespace, query.vector.length, ...filters.args, ...outerArgs, query.k]
  return Effect.map(db.execute({ sql, args }), (result) => result.rows.map(matchOf))
}

/** The scan in chunks (embedded databases): see the module's description. */
const searchInChunks = (
  db: Database.Database["Type"],
  namespace: Namespace,
  query: SimilarityQuery,
  after: Rank | undefined,
  chunkFloats: number
) =>
  Effect.gen(function* () {
    const filters = filtersOf(query)
    // Keyset pagination in index order: (model, rowid), or rowid alone within one model.
    const position = query.model === undefined ? "(model, rowid) > (?, ?)" : "rowid > ?"
    const sql = `SELECT rowid AS position, item_type, item_id, model, 1 - vector_distance_cos(vector, ?) AS similarity
FROM embeddings WHERE ${["namespace = ?", "dimensions = ?", ...filters.where, position].join(" AND ")}
ORDER BY model, rowid LIMIT ?`
    const vector = toBlob(query.vector)
    const rows = Math.max(1, Math.floor(chunkFloats / query.vector.length))
    let best: Array<SimilarityMatch> = []
    let last: { model: string; rowid: number } = { model: "", rowid: Number.MIN_SAFE_INTEGER }
    while (true) {
      const from = query.model === undefined ? [last.model, last.rowid] : [last.rowid]
      const chunk = yield* db.execute({
        sql,
        args: [vector, namespace, query.vector.length, ...filters.args, ...from, rows]
      })
      const byItem = new Map(best.map((match) => [`${match.item_type}/${match.item_id}`, match]))
      for (const row of chunk.rows) {
        const match = matchOf(row)
        if (query.threshold !== undefined && !(match.similarity >= query.threshold)) continue
        if (isAfter(match, after)) byItem.set(`${match.item_type}/${match.item_id}`, match)
      }
      best = [...byItem.values()].sort(byRank).slice(0, query.k)
      const end = chunk.rows[chunk.rows.length - 1]
      if (chunk.rows.length < rows || end === undefined) return best
      last = { model: String(end["model"]), rowid: Number(end["position"]) }
      yield* yieldToEventLoop
    }
  })

/**
 * The page of matches for a query after its cursor: at most `k`, and within `budget` bytes of JSON (a match is
 * small, but an operator may set a small budget); `next_cursor` when the budget cut the page short.
 */
export const searchPage = (
  db: Database.Database["Type"],
  namespace: Namespace,
  query: SimilarityQuery & { readonly cursor?: string | undefined },
  budget: number,
  chunkFloats: number = CHUNK_FLOATS
): Effect.Effect<Page<SimilarityMatch>, DatabaseFailure | InvalidCursor> =>
  Effect.gen(function* () {
    const after = query.cursor === undefined ? undefined : yield* decodeCursor(namespace, query.cursor)
    const matches =
      db.kind === "embedded"
        ? yield* searchInChunks(db, namespace, query, after, chunkFloats)
        : yield* searchAtOnce(db, namespace, query, after)
    const spent = new ByteBudget(budget)
    const items: Array<SimilarityMatch> = []
    for (const match of matches) {
      if (!spent.admit(Buffer.byteLength(JSON.stringify(match)))) break
      items.push(match)
    }
    const last = items[items.length - 1]
    return {
      items,
      next_cursor: items.length < matches.length && last !== undefined ? encodeCursor(namespace, last) : null
    }
  })
