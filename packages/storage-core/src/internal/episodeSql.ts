import type { Namespace } from "@memory-turso/model"
import { type Episode, isComplete, timestampMillis } from "@memory-turso/model"
import type { Database } from "@memory-turso/pool"
import { documentSql, upsert } from "./documentTable.js"

/** SQL for the episodes table. */
export const episodes = documentSql({
  table: "episodes",
  id: "episode_id",
  columns: ["task_type", "domain", "language", "start_time_ms", "end_time_ms", "completed"],
  orderBy: "start_time_ms"
})

const DELETE_TAGS = "DELETE FROM episode_tags WHERE namespace = ? AND episode_id = ?"
const DELETE_METADATA = "DELETE FROM episode_metadata WHERE namespace = ? AND episode_id = ?"
const INSERT_TAGS = "INSERT INTO episode_tags (namespace, tag, episode_id) SELECT ?1, value, ?2 FROM json_each(?3)"
const INSERT_METADATA = `INSERT INTO episode_metadata (namespace, episode_id, key, value)
SELECT ?1, ?2, key, value FROM json_each(?3)`

/** The tags an episode is found by: its own and its context's. */
export const tagsOf = (episode: Episode): ReadonlyArray<string> => [
  ...new Set([...episode.tags, ...episode.context.tags])
]

/**
 * The statements that store one episode: an upsert of its row (never a delete, so nothing cascades) and a
 * refresh of its tag and metadata index rows.
 */
export const upsertEpisode = (
  namespace: Namespace,
  episode: Episode,
  payload: string | Uint8Array,
  payloadBytes: number,
  now: number
): Array<Database.Statement> => {
  const id = episode.episode_id
  const statements: Array<Database.Statement> = [
    upsert(
      episodes,
      {
        namespace,
        id,
        values: [
          episode.task_type,
          episode.context.domain,
          episode.context.language === undefined ? null : episode.context.language,
          timestampMillis(episode.start_time),
          episode.end_time === undefined ? null : timestampMillis(episode.end_time),
          isComplete(episode) ? 1 : 0
        ],
        payload,
        payloadBytes
      },
      now
    ),
    { sql: DELETE_TAGS, args: [namespace, id] },
    { sql: DELETE_METADATA, args: [namespace, id] }
  ]
  const tags = tagsOf(episode)
  if (tags.length > 0) statements.push({ sql: INSERT_TAGS, args: [namespace, id, JSON.stringify(tags)] })
  if (Object.keys(episode.metadata).length > 0) {
    statements.push({ sql: INSERT_METADATA, args: [namespace, id, JSON.stringify(episode.metadata)] })
  }
  return statements
}
