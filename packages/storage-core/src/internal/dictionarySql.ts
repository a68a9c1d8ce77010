/**
 * SQL of compression dictionaries: the `dictionary_id` column every document table computes from its payload
 * (migration 6), and the sweep that deletes dictionaries no row uses in one statement.
 */

/** The tables whose payloads go through the codec, so whose rows may name a dictionary. */
export const DOCUMENT_TABLES = ["episodes", "patterns", "heuristics"] as const

/** The message of the refusal of a row naming a dictionary that is not stored (migration 6's triggers). */
export const DICTIONARY_REMOVED = "compression dictionary not stored"

/** Hex digit `k` (1-based) of the envelope's dictionary id field (payload bytes 9..12), as a number. */
const nibble = (k: number) => `(instr('0123456789ABCDEF', substr(hex(substr(payload, 9, 4)), ${k}, 1)) - 1)`
const byteAt = (i: number) => `(${nibble(2 * i + 1)} * 16 + ${nibble(2 * i + 2)})`

/**
 * The dictionary id in a payload's envelope header (a little-endian u32 at offset 8 of a version-1 zstd envelope,
 * see `Envelope` in `@memory-turso/compression`); NULL for text, other algorithms and id 0.
 */
const ENVELOPE_DICTIONARY_ID = `CASE WHEN typeof(payload) = 'blob' AND substr(payload, 1, 6) = x'FF4DD4FF0101'
  THEN nullif(${byteAt(0)} + ${byteAt(1)} * 256 + ${byteAt(2)} * 65536 + ${byteAt(3)} * 16777216, 0) END`

/**
 * Migration 6: dictionaries get their held-out ratio; each document table gets `dictionary_id`, computed by SQLite from the payload (so rows written by any
 * build name theirs) and indexed for the rows that have one; a statement writing a row that names a dictionary not
 * stored is refused with `DICTIONARY_REMOVED`.
 */
export const DICTIONARY_COLUMN: ReadonlyArray<string> = [
  // the ratio a dictionary reached on episodes left out of it when it was built (NULL: none were left)
  "ALTER TABLE compression_dictionaries ADD COLUMN held_out_ratio REAL",
  ...DOCUMENT_TABLES.flatMap((table) => [
    `ALTER TABLE ${table} ADD COLUMN dictionary_id INTEGER GENERATED ALWAYS AS (${ENVELOPE_DICTIONARY_ID}) VIRTUAL`,
    `CREATE INDEX ${table}_by_dictionary ON ${table} (dictionary_id) WHERE dictionary_id IS NOT NULL`,
    ...(["insert", "update"] as const).map(
      (event) => `CREATE TRIGGER ${table}_${event}_needs_dictionary
      AFTER ${event === "insert" ? "INSERT" : "UPDATE OF payload"} ON ${table}
      WHEN new.dictionary_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM compression_dictionaries WHERE dictionary_id = new.dictionary_id)
      BEGIN SELECT RAISE(ABORT, '${DICTIONARY_REMOVED}'); END`
    )
  ])
]

/**
 * Deletes, oldest first and at most `?2` of them, the dictionaries older than the newest stored one that are not
 * `?1` (this process's current one; 0 for none) and that no row names. The check and the delete are one statement:
 * a row committed before it keeps its dictionary, and a row naming it written after it is refused by migration 6's
 * triggers (its writer encodes again with the newest). Returns the ids removed.
 */
export const SWEEP = `DELETE FROM compression_dictionaries
WHERE dictionary_id IN (
    SELECT dictionary_id FROM compression_dictionaries
    WHERE dictionary_id < (SELECT max(dictionary_id) FROM compression_dictionaries)
      AND dictionary_id <> ?1
      AND ${DOCUMENT_TABLES.map(
        (table) =>
          `NOT EXISTS (SELECT 1 FROM ${table} r WHERE r.dictionary_id = compression_dictionaries.dictionary_id)`
      ).join("\n      AND ")}
    ORDER BY dictionary_id LIMIT ?2)
RETURNING dictionary_id`

/** How many dictionaries are stored, and the newest one's id (0 when none). */
export const STORED = "SELECT count(*) AS n, coalesce(max(dictionary_id), 0) AS newest FROM compression_dictionaries"
