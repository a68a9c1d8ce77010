import type { InValue } from "@libsql/client"
import { type RecallFilters, type RecallKind, timestampMillis } from "@memory-turso/model"
import { TEXT_TABLES, type TextTable } from "./recallSchema.js"

/** A piece of SQL and its positional arguments. */
export interface Clause {
  readonly sql: string
  readonly args: ReadonlyArray<InValue>
}

/** The record table of each kind. */
export const tableOf = (kind: RecallKind): TextTable =>
  kind === "episode" ? TEXT_TABLES.episodes : kind === "pattern" ? TEXT_TABLES.patterns : TEXT_TABLES.heuristics

/** Do the filters describe episodes only (so patterns and heuristics cannot match)? */
const episodeOnly = (filters: RecallFilters) =>
  filters.task_type !== undefined || filters.domain !== undefined || filters.tags !== undefined

/** The kinds a recall can return under its filters. */
export const kindsUnder = (kinds: ReadonlyArray<RecallKind>, filters: RecallFilters): ReadonlyArray<RecallKind> => {
  const unique = [...new Set(kinds)]
  return episodeOnly(filters) ? unique.filter((kind) => kind === "episode") : unique
}

/**
 * The conditions the filters put on a record row of `kind`, aliased `d` (its namespace is the caller's): empty
 * when the filters say nothing about that kind.
 */
export const recordConditions = (kind: RecallKind, filters: RecallFilters): ReadonlyArray<Clause> => {
  const out: Array<Clause> = []
  const time = kind === "episode" ? "d.start_time_ms" : "d.created_at"
  if (filters.since !== undefined) out.push({ sql: `${time} >= ?`, args: [timestampMillis(filters.since)] })
  if (filters.until !== undefined) out.push({ sql: `${time} < ?`, args: [timestampMillis(filters.until)] })
  if (kind !== "episode") return out
  if (filters.task_type !== undefined) out.push({ sql: "d.task_type = ?", args: [filters.task_type] })
  if (filters.domain !== undefined) out.push({ sql: "d.domain = ?", args: [filters.domain] })
  if (filters.tags !== undefined) {
    const tags = [...new Set(filters.tags)]
    out.push({
      sql: `(SELECT count(*) FROM episode_tags AS t WHERE t.namespace = d.namespace AND t.episode_id = d.episode_id
  AND t.tag IN (SELECT value FROM json_each(?))) = ?`,
      args: [JSON.stringify(tags), tags.length]
    })
  }
  return out
}

/** Joins clauses with AND (`1` when there are none). */
export const all = (clauses: ReadonlyArray<Clause>): Clause => ({
  sql: clauses.length === 0 ? "1" : clauses.map((c) => c.sql).join(" AND "),
  args: clauses.flatMap((c) => c.args)
})

/** A key naming the filters, for remembering how selective they were. */
export const filterKey = (kinds: ReadonlyArray<RecallKind>, filters: RecallFilters): string =>
  JSON.stringify([kinds, filters])
