import type { Namespace, RecallFilters, RecallKind } from "@memory-turso/model"
import type { Database } from "@memory-turso/pool"
import { all, recordConditions, tableOf } from "./recallFilters.js"

/**
 * The text side of recall: FTS5 over each kind's full-text table, ranked by BM25, within a namespace and filters.
 * The query's words are matched as quoted terms joined by OR (so any text is a valid query: no FTS5 syntax gets
 * through), each stemmed like the indexed text.
 */

/** One text hit; `bm25` is FTS5's value (lower is better). */
export interface TextHit {
  readonly item_type: RecallKind
  readonly item_id: string
  readonly bm25: number
}

/** At most this many words of a query are matched. */
export const MAX_TERMS = 32

/** The FTS5 query of free text: its distinct words, quoted, OR-ed; undefined when it has no word. */
export const matchQuery = (text: string): string | undefined => {
  const words = [...new Set(text.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? [])].slice(0, MAX_TERMS)
  return words.length === 0 ? undefined : words.map((word) => `"${word}"`).join(" OR ")
}

/** The statement finding one kind's best `limit` matches of `match` in a namespace under filters. */
export const textStatement = (
  namespace: Namespace,
  kind: RecallKind,
  match: string,
  filters: RecallFilters,
  limit: number
): Database.Statement => {
  const t = tableOf(kind)
  const where = all(recordConditions(kind, filters))
  return {
    sql: `SELECT '${kind}' AS item_type, d.${t.id} AS item_id, bm25(${t.text}) AS bm25
FROM ${t.text} JOIN ${t.table} AS d ON d.rowid = ${t.text}.rowid
WHERE ${t.text} MATCH ? AND d.namespace = ? AND ${where.sql}
ORDER BY bm25, d.${t.id} LIMIT ?`,
    args: [match, namespace, ...where.args, limit]
  }
}

/** A text hit from a row of `textStatement`. */
export const textHitOf = (row: Record<string, unknown>): TextHit => ({
  item_type: row["item_type"] as RecallKind,
  item_id: String(row["item_id"]),
  bm25: Number(row["bm25"])
})
