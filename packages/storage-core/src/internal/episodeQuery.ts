import type { InValue } from "@libsql/client"
import type { EpisodeQuery, Namespace } from "@memory-turso/model"
import { timestampMillis } from "@memory-turso/model"
import type { Database } from "@memory-turso/pool"
import { budgetedListingStatement } from "./budget.js"
import type { Position } from "./cursor.js"

/** A SQL fragment and its positional arguments, in the order its `?` appear. */
export interface Fragment {
  readonly sql: string
  readonly args: ReadonlyArray<InValue>
}

/**
 * The ids of the namespace's episodes carrying the query's tags (all of them, or any). The tags drive (`CROSS JOIN`
 * keeps SQLite from turning the join around): one search of the `episode_tags` primary key (namespace, tag,
 * episode_id) per tag, so the cost grows with the matching rows, never with the table. The tags are distinct.
 */
const byTags = (namespace: Namespace, tags: ReadonlyArray<string>, mode: "all" | "any"): Fragment => ({
  sql: `SELECT g.episode_id FROM json_each(?) j CROSS JOIN episode_tags g ON g.namespace = ? AND g.tag = j.value
GROUP BY g.episode_id${mode === "all" ? " HAVING count(*) = ?" : ""}`,
  args: mode === "all" ? [JSON.stringify(tags), namespace, tags.length] : [JSON.stringify(tags), namespace]
})

/**
 * The ids of the namespace's episodes holding every metadata pair: one search of `episode_metadata_by_pair`
 * (namespace, key, value) per pair. An episode has one value per key, so matching `n` distinct keys means matching
 * them all. The pairs travel as one JSON argument, so any number of them is one expression.
 */
const byMetadata = (namespace: Namespace, metadata: Readonly<Record<string, string>>): Fragment => ({
  sql: `SELECT d.episode_id FROM json_each(?) j
CROSS JOIN episode_metadata d ON d.namespace = ? AND d.key = j.key AND d.value = j.value
GROUP BY d.episode_id HAVING count(*) = ?`,
  args: [JSON.stringify(metadata), namespace, Object.keys(metadata).length]
})

/**
 * The statement for one page of an episode query, newest first (start time, then id, descending), its payloads
 * within `budget` bytes (see `budgetedListing`). It asks for one row more than the limit to learn whether another
 * page follows.
 *
 * Tag and metadata filters drive the query: their matching ids come from the side tables' indexes and only those
 * episodes are looked up by primary key (`CROSS JOIN` keeps SQLite from turning it around into a scan of
 * `episodes`), so the cost grows with the matches, not with the table. Without them, the `episodes` indexes on
 * (namespace, start time) and on each column filter serve the page in order.
 */
export const queryEpisodes = (
  namespace: Namespace,
  query: EpisodeQuery,
  after: Position | undefined,
  budget: number
): Database.Statement => {
  const sources: Array<Fragment> = []
  const tags = [...new Set(query.tags)]
  if (tags.length > 0) sources.push(byTags(namespace, tags, query.tags_mode))
  const pairs = Object.keys(query.metadata).length
  if (pairs > 0) sources.push(byMetadata(namespace, query.metadata))
  const columns = columnFilters(namespace, query, after)
  const from =
    sources.length === 0
      ? "episodes e"
      : `(${sources.map((s) => s.sql).join("\nINTERSECT\n")}) AS m
CROSS JOIN episodes e ON e.namespace = ? AND e.episode_id = m.episode_id`
  const fromArgs = sources.length === 0 ? [] : [...sources.flatMap((s) => s.args), namespace]
  const sql = `SELECT e.episode_id AS id, e.start_time_ms AS sort_key, e.payload_bytes AS payload_bytes
FROM ${from}
WHERE ${columns.sql}
ORDER BY e.start_time_ms DESC, e.episode_id DESC LIMIT ?`
  const listing = { sql, args: [...fromArgs, ...columns.args, query.limit + 1] }
  return budgetedListingStatement("episodes", "episode_id", listing, namespace, budget)
}

/** The namespace and the query's filters on `episodes e` columns, and the position after the cursor. */
export const columnFilters = (namespace: Namespace, query: EpisodeQuery, after: Position | undefined): Fragment => {
  const where: Array<string> = ["e.namespace = ?"]
  const args: Array<InValue> = [namespace]
  const add = (clause: string, ...values: Array<InValue>) => {
    where.push(clause)
    args.push(...values)
  }
  if (query.task_type !== undefined) add("e.task_type = ?", query.task_type)
  if (query.domain !== undefined) add("e.domain = ?", query.domain)
  if (query.language !== undefined) add("e.language = ?", query.language)
  if (query.from !== undefined) add("e.start_time_ms >= ?", timestampMillis(query.from))
  if (query.to !== undefined) add("e.start_time_ms <= ?", timestampMillis(query.to))
  if (query.completed === true) add("e.completed = 1")
  if (query.completed === false) add("e.completed = 0")
  if (after !== undefined) {
    add("(e.start_time_ms < ? OR (e.start_time_ms = ? AND e.episode_id < ?))", after.key, after.key, after.id)
  }
  return { sql: where.join("\n  AND "), args }
}
