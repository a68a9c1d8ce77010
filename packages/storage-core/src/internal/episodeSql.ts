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
const DELETE_TAGS_MANY =
  "DELETE FROM episode_tags WHERE namespace = ?1 AND episode_id IN (SELECT value FROM json_each(?2))"
const DELETE_METADATA_MANY =
  "DELETE FROM episode_metadata WHERE namespace = ?1 AND episode_id IN (SELECT value FROM json_each(?2))"
// ?2 is `[[episode_id, tags or metadata], ...]`: the inner json_each reads each episode's list or object exactly as
// the one-episode statements read theirs.
const INSERT_TAGS_MANY = `INSERT INTO episode_tags (namespace, tag, episode_id)
SELECT ?1, item.value, json_extract(episode.value, '$[0]') FROM json_each(?2) AS episode, json_each(episode.value, '$[1]') AS item`
const INSERT_METADATA_MANY = `INSERT INTO episode_metadata (namespace, episode_id, key, value)
SELECT ?1, json_extract(episode.value, '$[0]'), item.key, item.value FROM json_each(?2) AS episode, json_each(episode.value, '$[1]') AS item`

/**
 * The index rows of many episodes written without an expected version, in four statements whatever their number
 * (the same rows as `episodeIndexRows` of each): the episodes must have distinct ids (the last write of an id wins,
 * so only its rows count).
 */
export const episodeIndexRowsMany = (namespace: Namespace, list: ReadonlyArray<Episode>): Array<Database.Statement> => {
  const ids: Array<string> = []
  const tags: Array<[string, ReadonlyArray<string>]> = []
  const metadata: Array<[string, Episode["metadata"]]> = []
  for (const episode of list) {
    const id = episode.episode_id
    ids.push(id)
    const own = tagsOf(episode)
    if (own.length > 0) tags.push([id, own])
    if (Object.keys(episode.metadata).length > 0) metadata.push([id, episode.metadata])
  }
  const all = JSON.stringify(ids)
  const statements: Array<Database.Statement> = [
    { sql: DELETE_TAGS_MANY, args: [namespace, all] },
    { sql: DELETE_METADATA_MANY, args: [namespace, all] }
  ]
  if (tags.length > 0) statements.push({ sql: INSERT_TAGS_MANY, args: [namespace, JSON.stringify(tags)] })
  if (metadata.length > 0) statements.push({ sql: INSERT_METADATA_MANY, args: [namespace, JSON.stringify(metadata)] })
  return statements
}

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
