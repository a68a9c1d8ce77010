import type { InValue } from "@libsql/client"
import { type EpisodeQuery, type Namespace, timestampMillis } from "@memory-turso/model"
import type { Database, DatabaseFailure } from "@memory-turso/pool"
import * as Effect from "effect/Effect"
import type { Position } from "./cursor.js"
import { columnFilters, type Fragment } from "./episodeQuery.js"
import { yieldToEventLoop } from "./eventLoop.js"

/**
 * Tag and metadata filters matching many episodes, on an embedded database. `queryEpisodes` starts from the
 * matches (one index search per value) and sorts them all by start time: its cost grows with the matches, and on
 * an embedded database all of it runs in this thread at once (tens of milliseconds for 20,000 matches). When the
 * side tables hold at least `WalkOptions.dense` matching rows, the page is looked for instead by walking the
 * namespace's episodes newest first in chunks of `chunk` rows (`episodes_by_start`), each row's own tags and
 * metadata checked against the filters (a few index rows per episode), the event loop running between chunks;
 * many matches means the page is found after few chunks. If `maxChunks` are walked without filling the page (the
 * matches are many but spread thin), the walk gives up and the caller runs `queryEpisodes`.
 */

/** When and how far to walk. */
export interface WalkOptions {
  /** Walk only when the side tables hold at least this many matching rows (fewer: `queryEpisodes` is cheap). */
  readonly dense: number
  /** Episodes per chunk. */
  readonly chunk: number
  /** Chunks walked before giving up. */
  readonly maxChunks: number
}

/** A few milliseconds of work per statement here; 16 chunks look through 32,000 episodes. */
export const WALK: WalkOptions = { dense: 4096, chunk: 2048, maxChunks: 16 }

/** A row of a walked page: what `budgetedListing` ranks by, without the payload. */
export interface WalkedRow {
  readonly id: string
  readonly sort_key: number
}

/** How many rows of the side tables match the query's tag and metadata filters, counted up to `cap`. */
const matchingSideRows = (namespace: Namespace, query: EpisodeQuery, cap: number): Database.Statement => {
  const parts: Array<Fragment> = []
  const tags = [...new Set(query.tags)]
  if (tags.length > 0) {
    parts.push({
      sql: "SELECT 1 FROM json_each(?) j CROSS JOIN episode_tags g ON g.namespace = ? AND g.tag = j.value",
      args: [JSON.stringify(tags), namespace]
    })
  }
  if (Object.keys(query.metadata).length > 0) {
    parts.push({
      sql: `SELECT 1 FROM json_each(?) j
CROSS JOIN episode_metadata d ON d.namespace = ? AND d.key = j.key AND d.value = j.value`,
      args: [JSON.stringify(query.metadata), namespace]
    })
  }
  return {
    sql: `SELECT count(*) AS n FROM (${parts.map((p) => p.sql).join(" UNION ALL ")} LIMIT ?)`,
    args: [...parts.flatMap((p) => p.args), cap]
  }
}

/**
 * The tag and metadata filters checked on one episode's own rows: the unary `+` keeps SQLite from searching the
 * side table once per filter value; it reads the episode's few rows (`episode_tags_by_episode`, the metadata
 * primary key) and looks each up in the values, built once per statement.
 */
const ownRowFilters = (query: EpisodeQuery): Fragment => {
  const where: Array<string> = []
  const args: Array<InValue> = []
  const tags = [...new Set(query.tags)]
  const ownTags =
    "FROM episode_tags g WHERE g.namespace = e.namespace AND g.episode_id = e.episode_id AND +g.tag IN (SELECT value FROM json_each(?))"
  if (tags.length > 0 && query.tags_mode === "any") {
    where.push(`EXISTS (SELECT 1 ${ownTags})`)
    args.push(JSON.stringify(tags))
  } else if (tags.length > 0) {
    where.push(`(SELECT count(*) ${ownTags}) = ?`)
    args.push(JSON.stringify(tags), tags.length)
  }
  const pairs = Object.keys(query.metadata).length
  if (pairs > 0) {
    where.push(`(SELECT count(*) FROM episode_metadata d WHERE d.namespace = e.namespace AND d.episode_id = e.episode_id
  AND (+d.key, d.value) IN (SELECT key, value FROM json_each(?))) = ?`)
    args.push(JSON.stringify(query.metadata), pairs)
  }
  return { sql: where.join("\n  AND "), args }
}

/**
 * The position of the last episode of the next chunk: the `chunk`-th after `after` within the query's time range,
 * if there are that many.
 */
const chunkEnd = (
  namespace: Namespace,
  query: EpisodeQuery,
  after: Position | undefined,
  chunk: number
): Database.Statement => {
  const where = ["e.namespace = ?"]
  const args: Array<InValue> = [namespace]
  if (query.from !== undefined) {
    where.push("e.start_time_ms >= ?")
    args.push(timestampMillis(query.from))
  }
  if (query.to !== undefined) {
    where.push("e.start_time_ms <= ?")
    args.push(timestampMillis(query.to))
  }
  if (after !== undefined) {
    where.push("(e.start_time_ms < ? OR (e.start_time_ms = ? AND e.episode_id < ?))")
    args.push(after.key, after.key, after.id)
  }
  return {
    sql: `SELECT e.start_time_ms AS sort_key, e.episode_id AS id FROM episodes e WHERE ${where.join(" AND ")}
ORDER BY e.start_time_ms DESC, e.episode_id DESC LIMIT 1 OFFSET ?`,
    args: [...args, chunk - 1]
  }
}

/** The matching episodes of one chunk (after `after`, down to `end` included, or to the last), at most `need`. */
export const chunkMatches = (
  namespace: Namespace,
  query: EpisodeQuery,
  after: Position | undefined,
  end: Position | undefined,
  need: number
): Database.Statement => {
  const columns = columnFilters(namespace, query, after)
  const own = ownRowFilters(query)
  const bound =
    end === undefined
      ? { sql: "", args: [] }
      : {
          sql: "\n  AND (e.start_time_ms > ? OR (e.start_time_ms = ? AND e.episode_id >= ?))",
          args: [end.key, end.key, end.id]
        }
  return {
    sql: `SELECT e.episode_id AS id, e.start_time_ms AS sort_key FROM episodes e
WHERE ${columns.sql}${bound.sql}
  AND ${own.sql}
ORDER BY e.start_time_ms DESC, e.episode_id DESC LIMIT ?`,
    args: [...columns.args, ...bound.args, ...own.args, need]
  }
}

/**
 * The first `limit + 1` matching episodes after `after`, newest first, found by walking (see the module's
 * description); `undefined` when the filters match few side rows, or the walk gave up: run `queryEpisodes` then.
 */
export const walkEpisodes = (
  db: Database.Database["Type"],
  namespace: Namespace,
  query: EpisodeQuery,
  after: Position | undefined,
  options: WalkOptions = WALK
): Effect.Effect<ReadonlyArray<WalkedRow> | undefined, DatabaseFailure> =>
  Effect.gen(function* () {
    if (query.tags.length === 0 && Object.keys(query.metadata).length === 0) return undefined
    const counted = yield* db.execute(matchingSideRows(namespace, query, options.dense))
    if (Number(counted.rows[0]?.["n"] ?? 0) < options.dense) return undefined
    const found: Array<WalkedRow> = []
    let position = after
    for (let chunk = 0; chunk < options.maxChunks; chunk++) {
      if (chunk > 0) yield* yieldToEventLoop
      const ends = yield* db.execute(chunkEnd(namespace, query, position, options.chunk))
      const endRow = ends.rows[0]
      const end = endRow === undefined ? undefined : { key: Number(endRow["sort_key"]), id: String(endRow["id"]) }
      const matches = yield* db.execute(chunkMatches(namespace, query, position, end, query.limit + 1 - found.length))
      for (const row of matches.rows) found.push({ id: String(row["id"]), sort_key: Number(row["sort_key"]) })
      // the page is full, or the namespace has no episode left to walk
      if (found.length > query.limit || end === undefined) return found
      position = end
    }
    return undefined
  })
