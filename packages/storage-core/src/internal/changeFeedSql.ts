import type { Namespace } from "@memory-turso/model"
import type { Database } from "@memory-turso/pool"

/**
 * SQL of the change feed (migration 7): a table every write appends to in its own transaction, by trigger, and the
 * statements that read and trim it. Triggers rather than statements added to each write: no write path (upsert,
 * conditional update, batch, delete, the deletes that cascade from a record to its embedding) can forget its entry,
 * and a write that rolls back takes its entries with it.
 */

/** The kinds of record the feed names. */
export type FeedKind = "episode" | "pattern" | "heuristic" | "embedding"

/** The tables that announce their writes: the feed kind, the table's id column. */
const ANNOUNCED: ReadonlyArray<readonly [table: string, kind: FeedKind, id: string]> = [
  ["episodes", "episode", "episode_id"],
  ["patterns", "pattern", "pattern_id"],
  ["heuristics", "heuristic", "heuristic_id"],
  ["embeddings", "embedding", "item_id"]
]

/** Milliseconds since the epoch, as SQLite computes it (constant within a statement). */
const NOW_MS = "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)"

/**
 * Migration 7: `change_feed` (one row per changed record: namespace, kind, id, its new version or NULL when it was
 * deleted, the time in ms; `seq` grows with commit order and is never reused, AUTOINCREMENT), `change_feed_state`
 * (how far the feed was trimmed), and an insert, update and delete trigger on each record table.
 */
export const CHANGE_FEED_MIGRATION: ReadonlyArray<string> = [
  `CREATE TABLE change_feed (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    namespace TEXT NOT NULL,
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    version INTEGER,
    at INTEGER NOT NULL
  ) STRICT`,
  `CREATE TABLE change_feed_state (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    trimmed_through INTEGER NOT NULL
  ) STRICT`,
  "INSERT INTO change_feed_state (singleton, trimmed_through) VALUES (1, 0)",
  ...ANNOUNCED.flatMap(([table, kind, id]) =>
    (["INSERT", "UPDATE", "DELETE"] as const).map(
      (event) => `CREATE TRIGGER ${table}_announce_${event.toLowerCase()} AFTER ${event} ON ${table} BEGIN
        INSERT INTO change_feed (namespace, kind, id, version, at)
        VALUES (${event === "DELETE" ? `old.namespace, '${kind}', old.${id}, NULL` : `new.namespace, '${kind}', new.${id}, new.version`}, ${NOW_MS});
      END`
    )
  )
]

/**
 * The newest position of the feed: the last entry's `seq`, or how far it was trimmed when it is empty (0 when
 * nothing was ever written). A process starting with empty caches follows from here.
 */
export const HEAD: Database.Statement = {
  sql: `SELECT max(coalesce((SELECT max(seq) FROM change_feed), 0), trimmed_through) AS head
FROM change_feed_state`,
  args: []
}

/**
 * The entries after position `?1`, at most `?2` of them in order, after a header row (`seq` NULL) carrying
 * `trimmed_through`: a reader at a position below it missed entries that were trimmed. One statement, so it can
 * ride in any request.
 */
const READ_SQL = `SELECT NULL AS seq, NULL AS namespace, NULL AS kind, NULL AS id, NULL AS version,
  trimmed_through FROM change_feed_state
UNION ALL
SELECT * FROM (SELECT seq, namespace, kind, id, version, NULL FROM change_feed WHERE seq > ?1 ORDER BY seq LIMIT ?2)`

/** Reads up to `limit` entries after `position` (see `READ_SQL`). */
export const read = (position: number, limit: number): Database.Statement => ({
  sql: READ_SQL,
  args: [position, limit]
})

/**
 * Trims entries older than `?1` ms by the database's clock (the one that stamped them) and all but the newest `?2`,
 * recording how far in `change_feed_state` first: everything before the oldest entry kept goes.
 */
const TRIM_MARK = `UPDATE change_feed_state SET trimmed_through = max(trimmed_through,
  coalesce((SELECT seq - 1 FROM change_feed WHERE at >= ${NOW_MS} - ?1 ORDER BY seq LIMIT 1),
    (SELECT max(seq) FROM change_feed), 0),
  coalesce((SELECT max(seq) FROM change_feed), 0) - ?2)`
const TRIM_DELETE = "DELETE FROM change_feed WHERE seq <= (SELECT trimmed_through FROM change_feed_state)"

/** The statements of one trim (a write batch): entries older than `retentionMs` and beyond the newest `keep` go. */
export const trim = (retentionMs: number, keep: number): ReadonlyArray<Database.Statement> => [
  { sql: TRIM_MARK, args: [retentionMs, keep] },
  { sql: TRIM_DELETE, args: [] }
]

/** One entry of the feed: a record of `kind` changed to `version` (null: deleted). */
export interface FeedEntry {
  readonly seq: number
  readonly namespace: Namespace
  readonly kind: FeedKind
  readonly id: string
  readonly version: number | null
}

/** A read of the feed: how far it was trimmed, and the entries after the position asked. */
export interface FeedPage {
  readonly trimmedThrough: number
  readonly entries: ReadonlyArray<FeedEntry>
}

/** The page in the rows of `read`. */
export const pageOf = (rows: ReadonlyArray<Database.Row>): FeedPage => {
  let trimmedThrough = 0
  const entries: Array<FeedEntry> = []
  for (const row of rows) {
    if (row["seq"] === null) {
      trimmedThrough = Number(row["trimmed_through"])
      continue
    }
    const version = row["version"]
    entries.push({
      seq: Number(row["seq"]),
      namespace: String(row["namespace"]) as Namespace,
      kind: String(row["kind"]) as FeedKind,
      id: String(row["id"]),
      version: version === null ? null : Number(version)
    })
  }
  return { trimmedThrough, entries }
}
