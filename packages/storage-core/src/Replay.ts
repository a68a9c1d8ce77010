import type { Database } from "@memory-turso/pool"

/**
 * A write's leave to be sent again after its call failed as unavailable, shared by the statements of that call,
 * counting how often it was. A reply can be lost after the write committed, so sending it again is safe only when a
 * second run cannot overwrite a newer write: the write is guarded by a version (If-Match) or an idempotency key,
 * and its second run finds the first one's effect instead of repeating it. The count lets the writer tell "found
 * nothing" on a replay (the first attempt did it) from the same answer on a first attempt.
 */
export class Replay {
  #replays = 0

  /** How many times the call was sent again. */
  get replays(): number {
    return this.#replays
  }

  /** Counts one more sending (`DatabaseRetry` calls it before each replay). */
  note(): void {
    this.#replays++
  }
}

/** A statement that may carry a `Replay` mark (`Database` ignores it; `DatabaseRetry` reads it). */
export interface Statement extends Database.Statement {
  readonly replay?: Replay | undefined
}

/** A statement SQLite runs without writing: a SELECT. */
const READ_ONLY = /^\s*SELECT\b/i

/**
 * Whether a call may be sent again after it failed as unavailable: a `read` batch, or statements each of which is
 * a SELECT or carries a `Replay` mark. Any other write is sent once: a lost reply leaves its outcome unknown.
 */
export const isReplayable = (statements: ReadonlyArray<Statement>, mode?: Database.TransactionMode): boolean =>
  mode === "read" || statements.every((statement) => statement.replay !== undefined || READ_ONLY.test(statement.sql))

/** The statements with the mark (unchanged when there is none). */
export const mark = <S extends Database.Statement>(
  statements: ReadonlyArray<S>,
  replay: Replay | undefined
): ReadonlyArray<S & Statement> => (replay === undefined ? statements : statements.map((s) => ({ ...s, replay })))

/** `send`, counting each sending after the first on the statements' marks. */
export const counting = <A>(statements: ReadonlyArray<Statement>, send: () => A): (() => A) => {
  const marks = new Set<Replay>()
  for (const statement of statements) if (statement.replay !== undefined) marks.add(statement.replay)
  let sent = 0
  return () => {
    if (sent++ > 0) for (const replay of marks) replay.note()
    return send()
  }
}
