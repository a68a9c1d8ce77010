import type { InValue } from "@libsql/client"
import type { EpisodeQuery, Namespace } from "@memory-turso/model"
import { timestampMillis } from "@memory-turso/model"
import type { Database } from "@memory-turso/pool"
import type { Position } from "./cursor.js"

/**
 * The statement for one page of an episode query, newest first (start time, then id, descending). It asks for one
 * row more than the limit to learn whether another page follows.
 */
export const queryEpisodes = (
  namespace: Namespace,
  query: EpisodeQuery,
  after: Position | undefined
): Database.Statement => {
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
  const tags = [...new Set(query.tags)]
  if (tags.length > 0 && query.tags_mode === "any") {
    add(
      "EXISTS (SELECT 1 FROM episode_tags t WHERE t.namespace = e.namespace AND t.episode_id = e.episode_id AND t.tag IN (SELECT value FROM json_each(?)))",
      JSON.stringify(tags)
    )
  } else if (tags.length > 0) {
    add(
      `(SELECT count(*) FROM episode_tags t WHERE t.namespace = e.namespace AND t.episode_id = e.episode_id
        AND t.tag IN (SELECT value FROM json_each(?))) = ?`,
      JSON.stringify(tags),
      tags.length
    )
  }
  for (const [key, value] of Object.entries(query.metadata)) {
    add(
      "EXISTS (SELECT 1 FROM episode_metadata m WHERE m.namespace = e.namespace AND m.episode_id = e.episode_id AND m.key = ? AND m.value = ?)",
      key,
      value
    )
  }
  if (after !== undefined) {
    add("(e.start_time_ms < ? OR (e.start_time_ms = ? AND e.episode_id < ?))", after.key, after.key, after.id)
  }
  const sql = `SELECT e.episode_id AS id, e.start_time_ms AS sort_key, e.version, e.payload FROM episodes e
WHERE ${where.join("\n  AND ")}
ORDER BY e.start_time_ms DESC, e.episode_id DESC LIMIT ?`
  args.push(query.limit + 1)
  return { sql, args }
}
