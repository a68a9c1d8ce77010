import type { Episode, Heuristic, Namespace, Pattern } from "@memory-turso/model"
import type { Database } from "@memory-turso/pool"
import type { TextTable } from "./recallSchema.js"

/**
 * The full-text rows of records, kept by the storage layer in each write's own transaction (no triggers): a
 * record's text row has the record's rowid, is replaced when the record is written and deleted before it is.
 */

/** The words of an episode that recall searches: task, step actions and outputs, reflection, outcome. */
export const episodeText = (episode: Episode): string => {
  const parts: Array<string> = [episode.task_description]
  for (const step of episode.steps) {
    parts.push(step.action)
    if (step.result?.type === "success") parts.push(step.result.output)
    else if (step.result?.type === "error") parts.push(step.result.message)
  }
  const outcome = episode.outcome
  if (outcome !== undefined) {
    switch (outcome.type) {
      case "success":
        parts.push(outcome.verdict, ...outcome.artifacts)
        break
      case "partial_success":
        parts.push(outcome.verdict, ...outcome.completed, ...outcome.failed)
        break
      case "failure":
        parts.push(outcome.reason, outcome.error_details ?? "")
        break
      case "abstained":
        parts.push(outcome.reason, ...outcome.infeasibility_signals)
        break
    }
  }
  if (episode.reflection !== undefined) {
    parts.push(...episode.reflection.successes, ...episode.reflection.improvements, ...episode.reflection.insights)
  }
  return parts.filter((p) => p.length > 0).join("\n")
}

/** The words of a pattern: what it describes, its conditions and actions. */
export const patternText = (pattern: Pattern): string => {
  switch (pattern.type) {
    case "tool_sequence":
      return pattern.tools.join("\n")
    case "decision_point":
      return `${pattern.condition}\n${pattern.action}`
    case "error_recovery":
      return [pattern.error_type, ...pattern.recovery_steps].join("\n")
    case "context_pattern":
      return [...pattern.context_features, pattern.recommended_approach].join("\n")
  }
}

/** The words of a heuristic: its condition and action. */
export const heuristicText = (heuristic: Heuristic): string => `${heuristic.condition}\n${heuristic.action}`

/** The statements keeping one kind's full-text rows, built once per table (the same SQL text every call). */
export interface TextSql {
  /**
   * After the record's write, in the same batch: its text row replaced, when that write changed a row (`changes()`
   * of the write: a guarded update that found another version leaves the text as it was).
   */
  readonly afterWrite: (namespace: Namespace, id: string, text: string) => Database.Statement
  /** After many records' upserts: their text rows replaced in one statement (the last text of an id wins). */
  readonly afterWrites: (namespace: Namespace, texts: ReadonlyArray<readonly [string, string]>) => Database.Statement
  /** Before the record's delete (at `expected` only, when given): its text row deleted. */
  readonly beforeDelete: (namespace: Namespace, id: string, expected?: number) => Database.Statement
  /** The text row of a record stored before the text tables, if it is still at the version read. */
  readonly backfill: (rowid: number, version: number, text: string) => Database.Statement
}

/** Builds the text statements of one kind. */
export const textSql = (t: TextTable): TextSql => {
  const write = `INSERT OR REPLACE INTO ${t.text} (rowid, body)
SELECT rowid, ?3 FROM ${t.table} WHERE namespace = ?1 AND ${t.id} = ?2 AND changes() > 0`
  // CROSS JOIN fixes the loop order: the batch's list outside, each record found by its key (a plain join may be
  // planned as a scan of the whole table per batch)
  const writes = `INSERT OR REPLACE INTO ${t.text} (rowid, body)
SELECT d.rowid, json_extract(j.value, '$[1]') FROM json_each(?2) AS j
CROSS JOIN ${t.table} AS d ON d.namespace = ?1 AND d.${t.id} = json_extract(j.value, '$[0]')`
  const remove = `DELETE FROM ${t.text} WHERE rowid = (SELECT rowid FROM ${t.table} WHERE namespace = ?1 AND ${t.id} = ?2)`
  const removeAt = `DELETE FROM ${t.text}
WHERE rowid = (SELECT rowid FROM ${t.table} WHERE namespace = ?1 AND ${t.id} = ?2 AND version = ?3)`
  const backfill = `INSERT OR REPLACE INTO ${t.text} (rowid, body)
SELECT rowid, ?3 FROM ${t.table} WHERE rowid = ?1 AND version = ?2`
  return {
    backfill: (rowid, version, text) => ({ sql: backfill, args: [rowid, version, text] }),
    afterWrite: (namespace, id, text) => ({ sql: write, args: [namespace, id, text] }),
    afterWrites: (namespace, texts) => ({ sql: writes, args: [namespace, JSON.stringify(texts)] }),
    beforeDelete: (namespace, id, expected) =>
      expected === undefined
        ? { sql: remove, args: [namespace, id] }
        : { sql: removeAt, args: [namespace, id, expected] }
  }
}
