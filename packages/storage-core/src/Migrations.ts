import { Database } from "@memory-turso/pool"
import * as Effect from "effect/Effect"
import { CHANGE_FEED_MIGRATION } from "./internal/changeFeedSql.js"
import { DICTIONARY_COLUMN } from "./internal/dictionarySql.js"
import { RECALL_SCHEMA } from "./internal/recallSchema.js"
import { Replay, type Statement } from "./Replay.js"

/** One forward-only schema change. */
export interface Migration {
  readonly version: number
  readonly name: string
  readonly statements: ReadonlyArray<string>
}

/** Every migration, in order. Append only: never edit one that has shipped. */
export const migrations: ReadonlyArray<Migration> = [
  {
    version: 1,
    name: "initial schema",
    statements: [
      `CREATE TABLE episodes (
        episode_id TEXT PRIMARY KEY NOT NULL,
        task_type TEXT NOT NULL,
        domain TEXT NOT NULL,
        language TEXT,
        start_time_ms INTEGER NOT NULL,
        end_time_ms INTEGER,
        completed INTEGER NOT NULL,
        payload ANY NOT NULL,
        payload_bytes INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT`,
      "CREATE INDEX episodes_by_start ON episodes (start_time_ms DESC, episode_id DESC)",
      "CREATE INDEX episodes_by_task_type ON episodes (task_type, start_time_ms DESC)",
      "CREATE INDEX episodes_by_domain ON episodes (domain, start_time_ms DESC)",
      "CREATE INDEX episodes_by_language ON episodes (language, start_time_ms DESC)",
      `CREATE TABLE episode_tags (
        tag TEXT NOT NULL,
        episode_id TEXT NOT NULL REFERENCES episodes (episode_id) ON DELETE CASCADE,
        PRIMARY KEY (tag, episode_id)
      ) STRICT, WITHOUT ROWID`,
      "CREATE INDEX episode_tags_by_episode ON episode_tags (episode_id)",
      `CREATE TABLE episode_metadata (
        episode_id TEXT NOT NULL REFERENCES episodes (episode_id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (episode_id, key)
      ) STRICT, WITHOUT ROWID`,
      "CREATE INDEX episode_metadata_by_pair ON episode_metadata (key, value)",
      `CREATE TABLE patterns (
        pattern_id TEXT PRIMARY KEY NOT NULL,
        pattern_type TEXT NOT NULL,
        success_rate REAL NOT NULL,
        occurrence_count INTEGER NOT NULL,
        payload ANY NOT NULL,
        payload_bytes INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT`,
      "CREATE INDEX patterns_by_created ON patterns (created_at DESC, pattern_id DESC)",
      "CREATE INDEX patterns_by_type ON patterns (pattern_type, created_at DESC, pattern_id DESC)",
      `CREATE TABLE heuristics (
        heuristic_id TEXT PRIMARY KEY NOT NULL,
        confidence REAL NOT NULL,
        payload ANY NOT NULL,
        payload_bytes INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT`,
      "CREATE INDEX heuristics_by_created ON heuristics (created_at DESC, heuristic_id DESC)",
      `CREATE TABLE embeddings (
        item_type TEXT NOT NULL,
        item_id TEXT NOT NULL,
        model TEXT NOT NULL,
        dimensions INTEGER NOT NULL,
        vector BLOB NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (item_type, item_id)
      ) STRICT`,
      "CREATE INDEX embeddings_by_dimensions ON embeddings (dimensions, model)",
      `CREATE TRIGGER episodes_drop_embeddings AFTER DELETE ON episodes BEGIN
        DELETE FROM embeddings WHERE item_type = 'episode' AND item_id = old.episode_id;
      END`,
      `CREATE TRIGGER patterns_drop_embeddings AFTER DELETE ON patterns BEGIN
        DELETE FROM embeddings WHERE item_type = 'pattern' AND item_id = old.pattern_id;
      END`
    ]
  },
  {
    version: 2,
    name: "compression dictionaries",
    statements: [
      // Rows written with a dictionary need it for as long as they exist (migration 6 lets them name it).
      `CREATE TABLE compression_dictionaries (
        dictionary_id INTEGER PRIMARY KEY NOT NULL,
        bytes BLOB NOT NULL,
        samples INTEGER NOT NULL,
        created_at INTEGER NOT NULL
      ) STRICT`
    ]
  },
  {
    version: 3,
    name: "namespaces",
    // Every namespaced table gets a leading `namespace` column in its primary key and indexes; existing rows move
    // to "default". SQLite cannot change a primary key in place, so each table is rebuilt: new tables filled from
    // the old ones, old ones dropped (children first, so no cascade fires), new ones renamed. Index rows and
    // embeddings of a deleted item go with it by trigger, whether or not a connection enforces foreign keys.
    statements: [
      `CREATE TABLE episodes_v3 (
        namespace TEXT NOT NULL,
        episode_id TEXT NOT NULL,
        task_type TEXT NOT NULL,
        domain TEXT NOT NULL,
        language TEXT,
        start_time_ms INTEGER NOT NULL,
        end_time_ms INTEGER,
        completed INTEGER NOT NULL,
        payload ANY NOT NULL,
        payload_bytes INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (namespace, episode_id)
      ) STRICT`,
      `INSERT INTO episodes_v3 SELECT 'default', episode_id, task_type, domain, language, start_time_ms, end_time_ms,
        completed, payload, payload_bytes, created_at, updated_at FROM episodes`,
      `CREATE TABLE episode_tags_v3 (
        namespace TEXT NOT NULL,
        tag TEXT NOT NULL,
        episode_id TEXT NOT NULL,
        PRIMARY KEY (namespace, tag, episode_id)
      ) STRICT, WITHOUT ROWID`,
      `INSERT INTO episode_tags_v3 SELECT 'default', tag, episode_id FROM episode_tags
        WHERE episode_id IN (SELECT episode_id FROM episodes)`,
      `CREATE TABLE episode_metadata_v3 (
        namespace TEXT NOT NULL,
        episode_id TEXT NOT NULL,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (namespace, episode_id, key)
      ) STRICT, WITHOUT ROWID`,
      `INSERT INTO episode_metadata_v3 SELECT 'default', episode_id, key, value FROM episode_metadata
        WHERE episode_id IN (SELECT episode_id FROM episodes)`,
      `CREATE TABLE patterns_v3 (
        namespace TEXT NOT NULL,
        pattern_id TEXT NOT NULL,
        pattern_type TEXT NOT NULL,
        success_rate REAL NOT NULL,
        occurrence_count INTEGER NOT NULL,
        payload ANY NOT NULL,
        payload_bytes INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (namespace, pattern_id)
      ) STRICT`,
      `INSERT INTO patterns_v3 SELECT 'default', pattern_id, pattern_type, success_rate, occurrence_count, payload,
        payload_bytes, created_at, updated_at FROM patterns`,
      `CREATE TABLE heuristics_v3 (
        namespace TEXT NOT NULL,
        heuristic_id TEXT NOT NULL,
        confidence REAL NOT NULL,
        payload ANY NOT NULL,
        payload_bytes INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (namespace, heuristic_id)
      ) STRICT`,
      `INSERT INTO heuristics_v3 SELECT 'default', heuristic_id, confidence, payload, payload_bytes, created_at,
        updated_at FROM heuristics`,
      `CREATE TABLE embeddings_v3 (
        namespace TEXT NOT NULL,
        item_type TEXT NOT NULL,
        item_id TEXT NOT NULL,
        model TEXT NOT NULL,
        dimensions INTEGER NOT NULL,
        vector BLOB NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (namespace, item_type, item_id)
      ) STRICT`,
      `INSERT INTO embeddings_v3 SELECT 'default', item_type, item_id, model, dimensions, vector, created_at,
        updated_at FROM embeddings`,
      "DROP TRIGGER episodes_drop_embeddings",
      "DROP TRIGGER patterns_drop_embeddings",
      "DROP TABLE episode_tags",
      "DROP TABLE episode_metadata",
      "DROP TABLE embeddings",
      "DROP TABLE episodes",
      "DROP TABLE patterns",
      "DROP TABLE heuristics",
      "ALTER TABLE episodes_v3 RENAME TO episodes",
      "ALTER TABLE episode_tags_v3 RENAME TO episode_tags",
      "ALTER TABLE episode_metadata_v3 RENAME TO episode_metadata",
      "ALTER TABLE patterns_v3 RENAME TO patterns",
      "ALTER TABLE heuristics_v3 RENAME TO heuristics",
      "ALTER TABLE embeddings_v3 RENAME TO embeddings",
      "CREATE INDEX episodes_by_start ON episodes (namespace, start_time_ms DESC, episode_id DESC)",
      "CREATE INDEX episodes_by_task_type ON episodes (namespace, task_type, start_time_ms DESC)",
      "CREATE INDEX episodes_by_domain ON episodes (namespace, domain, start_time_ms DESC)",
      "CREATE INDEX episodes_by_language ON episodes (namespace, language, start_time_ms DESC)",
      "CREATE INDEX episode_tags_by_episode ON episode_tags (namespace, episode_id)",
      "CREATE INDEX episode_metadata_by_pair ON episode_metadata (namespace, key, value)",
      "CREATE INDEX patterns_by_created ON patterns (namespace, created_at DESC, pattern_id DESC)",
      "CREATE INDEX patterns_by_type ON patterns (namespace, pattern_type, created_at DESC, pattern_id DESC)",
      "CREATE INDEX heuristics_by_created ON heuristics (namespace, created_at DESC, heuristic_id DESC)",
      "CREATE INDEX embeddings_by_dimensions ON embeddings (namespace, dimensions, model)",
      `CREATE TRIGGER episodes_drop_dependents AFTER DELETE ON episodes BEGIN
        DELETE FROM episode_tags WHERE namespace = old.namespace AND episode_id = old.episode_id;
        DELETE FROM episode_metadata WHERE namespace = old.namespace AND episode_id = old.episode_id;
        DELETE FROM embeddings WHERE namespace = old.namespace AND item_type = 'episode' AND item_id = old.episode_id;
      END`,
      `CREATE TRIGGER patterns_drop_embeddings AFTER DELETE ON patterns BEGIN
        DELETE FROM embeddings WHERE namespace = old.namespace AND item_type = 'pattern' AND item_id = old.pattern_id;
      END`
    ]
  },
  {
    version: 5,
    name: "record versions and idempotency keys",
    // Every record gets a version (existing rows start at 1; each write adds one). Responses to writes made with an
    // Idempotency-Key are kept per namespace, written in the write's own transaction, and trimmed by age.
    // Only adds columns and a table, so it applies the same after migration 4 or directly after 3.
    statements: [
      "ALTER TABLE episodes ADD COLUMN version INTEGER NOT NULL DEFAULT 1",
      "ALTER TABLE patterns ADD COLUMN version INTEGER NOT NULL DEFAULT 1",
      "ALTER TABLE heuristics ADD COLUMN version INTEGER NOT NULL DEFAULT 1",
      "ALTER TABLE embeddings ADD COLUMN version INTEGER NOT NULL DEFAULT 1",
      `CREATE TABLE idempotency_keys (
        namespace TEXT NOT NULL,
        idem_key TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        status INTEGER NOT NULL,
        body TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (namespace, idem_key)
      ) STRICT`,
      "CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at)"
    ]
  },
  {
    version: 6,
    name: "rows name their compression dictionary",
    // Each document table gets `dictionary_id`, computed from the payload's envelope header (NULL: no dictionary),
    // indexed for rows that have one: which dictionaries rows still use is a few index probes. The column is
    // computed by SQLite, so rows written by any build (older ones too) name theirs. A row naming a dictionary that
    // is not stored is refused in the writing statement: a dictionary is removed only when no row uses it (see
    // `internal/dictionarySql.ts`), and a writer still holding a removed one fails instead of an unreadable row.
    statements: DICTIONARY_COLUMN
  },
  {
    version: 7,
    name: "change feed",
    // Every write of a record appends its namespace, kind, id and new version (NULL: deleted) to `change_feed`, by
    // trigger, in the write's own transaction; processes follow it to keep their caches coherent (see
    // `internal/changeFeedSql.ts` and `internal/feedFollower.ts`).
    statements: CHANGE_FEED_MIGRATION
  },
  {
    version: 8,
    name: "recall: full-text tables, vector index registry, retrieval counts",
    // Full-text tables for each document kind (rowid = the record's rowid), filled by the storage layer in each
    // write's transaction; rows stored before this migration are indexed when `Storage.make` next runs (their
    // payloads are compressed, so SQL alone cannot read their text: see `internal/textBackfill.ts`). Vector tables
    // are per dimension, created (and filled from `embeddings`) when a dimension is first seen: see
    // `internal/vectorIndex.ts`.
    statements: RECALL_SCHEMA
  }
]

const CREATE_LEDGER = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version INTEGER PRIMARY KEY NOT NULL,
  name TEXT NOT NULL,
  applied_at INTEGER NOT NULL
) STRICT`

const currentVersion = Effect.gen(function* () {
  const db = yield* Database.Database
  const result = yield* db.execute({
    sql: "SELECT coalesce(max(version), 0) AS version FROM schema_migrations",
    args: []
  })
  return Number(result.rows[0]?.["version"] ?? 0)
})

const apply = (migration: Migration) =>
  Effect.gen(function* () {
    const db = yield* Database.Database
    // Safe to replay: a second run of a migration that committed fails on its ledger row, and `migrate` then finds
    // the version recorded.
    const replay = new Replay()
    const statements: Array<Statement> = migration.statements.map((sql) => ({
      sql,
      args: [],
      replay
    }))
    statements.push({
      sql: "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
      args: [migration.version, migration.name, Date.now()],
      replay
    })
    yield* db.batch(statements, "write")
  })

/**
 * Brings the schema up to date: applies, in order, each migration newer than the recorded version, each in one
 * atomic batch together with its ledger row. Re-running is a no-op. Returns the versions applied now.
 */
export const migrate = (list: ReadonlyArray<Migration> = migrations) =>
  Effect.gen(function* () {
    const db = yield* Database.Database
    const createLedger: Statement = { sql: CREATE_LEDGER, args: [], replay: new Replay() }
    yield* db.execute(createLedger)
    const applied: Array<number> = []
    const recorded = yield* currentVersion
    for (const migration of list) {
      if (migration.version <= recorded) continue
      const outcome = yield* Effect.either(apply(migration))
      if (outcome._tag === "Left") {
        // Another process may have applied it meanwhile; only fail if it is still missing.
        if ((yield* currentVersion) < migration.version) return yield* Effect.fail(outcome.left)
        continue
      }
      applied.push(migration.version)
    }
    return applied
  }).pipe(Effect.withSpan("Migrations.migrate"))
