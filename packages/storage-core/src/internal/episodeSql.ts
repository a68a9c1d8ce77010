import type { InValue } from "@libsql/client"
import type { Namespace } from "@memory-turso/model"
import { type Episode, isComplete, timestampMillis } from "@memory-turso/model"
import type { Database } from "@memory-turso/pool"
import { documentSql } from "./documentTable.js"

/** SQL for the episodes table. */
export const episodes = documentSql({
  table: "episodes",
  id: "episode_id",
  columns: ["task_type", "domain", "language", "start_time_ms", "end_time_ms", "completed"],
  orderBy: "start_time_ms"
})

/**
 * True when the episode is at the expected version (`?3`), or when no version is expected (`?3` NULL). Index rows
 * are refreshed before the episode's row is written, so in one transaction they see the version it is written over.
 */
const AT_EXPECTED =
  "(?3 IS NULL OR EXISTS (SELECT 1 FROM episodes WHERE namespace = ?1 AND episode_id = ?2 AND version = ?3))"
const DELETE_TAGS = `DELETE FROM episode_tags WHERE namespace = ?1 AND episode_id = ?2 AND ${AT_EXPECTED}`
const DELETE_METADATA = `DELETE FROM episode_metadata WHERE namespace = ?1 AND episode_id = ?2 AND ${AT_EXPECTED}`
const INSERT_TAGS = `INSERT INTO episode_tags (namespace, tag, episode_id)
SELECT ?1, value, ?2 FROM json_each(?4) WHERE ${AT_EXPECTED}`
const INSERT_METADATA = `INSERT INTO episode_metadata (namespace, episode_id, key, value)
SELECT ?1, ?2, key, value FROM json_each(?4) WHERE ${AT_EXPECTED}`

/** The tags an episode is found by: its own and its context's. */
export const tagsOf = (episode: Episode): ReadonlyArray<string> => [
  ...new Set([...episode.tags, ...episode.context.tags])
]

/** The episode's indexed columns, in the order of `episodes`' columns. */
export const episodeValues = (episode: Episode): ReadonlyArray<InValue> => [
  episode.task_type,
  episode.context.domain,
  episode.context.language === undefined ? null : episode.context.language,
  timestampMillis(episode.start_time),
  episode.end_time === undefined ? null : timestampMillis(episode.end_time),
  isComplete(episode) ? 1 : 0
]

/**
 * The statements that refresh an episode's tag and metadata index rows, to run before its row is written (an
 * upsert, never a delete, so nothing cascades). With `expected`, each does nothing unless the episode is at that
 * version, so a write that fails its If-Match leaves the index as it was.
 */
export const episodeIndexRows = (
  namespace: Namespace,
  episode: Episode,
  expected: number | null
): Array<Database.Statement> => {
  const id = episode.episode_id
  const statements: Array<Database.Statement> = [
    { sql: DELETE_TAGS, args: [namespace, id, expected] },
    { sql: DELETE_METADATA, args: [namespace, id, expected] }
  ]
  const tags = tagsOf(episode)
  if (tags.length > 0) statements.push({ sql: INSERT_TAGS, args: [namespace, id, expected, JSON.stringify(tags)] })
  if (Object.keys(episode.metadata).length > 0) {
    statements.push({ sql: INSERT_METADATA, args: [namespace, id, expected, JSON.stringify(episode.metadata)] })
  }
  return statements
}
