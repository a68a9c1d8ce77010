/**
 * The schema of recall (migration 8): a full-text table per document kind, the registry of per-dimension vector
 * indexes, retrieval counts, and the marks of the full-text backfill of rows stored before it.
 */

/** A document table and the full-text table that indexes its records' text. */
export interface TextTable {
  readonly table: "episodes" | "patterns" | "heuristics"
  readonly id: string
  readonly text: string
}

/** The full-text tables: one per kind, so BM25 statistics are per kind. */
export const TEXT_TABLES = {
  episodes: { table: "episodes", id: "episode_id", text: "episodes_text" },
  patterns: { table: "patterns", id: "pattern_id", text: "patterns_text" },
  heuristics: { table: "heuristics", id: "heuristic_id", text: "heuristics_text" }
} as const satisfies Record<string, TextTable>

/**
 * Contentless FTS5 (the text is not stored twice: records keep it in their compressed payload) that still deletes
 * by rowid. Porter stemming over unicode61 without diacritics: "builds" finds "building".
 */
const fts = (name: string) =>
  `CREATE VIRTUAL TABLE ${name} USING fts5(body, content = '', contentless_delete = 1,
    tokenize = 'porter unicode61 remove_diacritics 2')`

export const RECALL_SCHEMA: ReadonlyArray<string> = [
  ...Object.values(TEXT_TABLES).map((t) => fts(t.text)),
  // One row per dimension with an index: its table is `embedding_vectors_<dimensions>` (see vectorIndex.ts) and
  // `settings` the index settings it was built with.
  `CREATE TABLE vector_indexes (
    dimensions INTEGER PRIMARY KEY NOT NULL,
    settings TEXT NOT NULL,
    created_at INTEGER NOT NULL
  ) STRICT`,
  // How often recall returned an item (counted only when asked); rows go with their record.
  `CREATE TABLE retrieval_counts (
    namespace TEXT NOT NULL,
    item_type TEXT NOT NULL,
    item_id TEXT NOT NULL,
    times_retrieved INTEGER NOT NULL,
    last_retrieved_at INTEGER NOT NULL,
    PRIMARY KEY (namespace, item_type, item_id)
  ) STRICT, WITHOUT ROWID`,
  ...Object.values(TEXT_TABLES).map(
    (t) => `CREATE TRIGGER ${t.table}_drop_retrievals AFTER DELETE ON ${t.table} BEGIN
      DELETE FROM retrieval_counts
      WHERE namespace = old.namespace AND item_type = '${t.table.slice(0, -1)}' AND item_id = old.${t.id};
    END`
  ),
  // Rows stored before this migration, whose text is still to index: the table and the last rowid indexed.
  `CREATE TABLE text_backfill (
    table_name TEXT PRIMARY KEY NOT NULL,
    after_rowid INTEGER NOT NULL
  ) STRICT`,
  ...Object.values(TEXT_TABLES).map(
    (t) =>
      `INSERT INTO text_backfill (table_name, after_rowid) SELECT '${t.table}', 0 WHERE EXISTS (SELECT 1 FROM ${t.table})`
  )
]
