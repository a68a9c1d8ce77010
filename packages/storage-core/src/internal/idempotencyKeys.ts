/**
 * The `idempotency_keys` table: per namespace, each key's request fingerprint and the response of the write that
 * used it first (status and body), recorded in that write's transaction; kept for a window, then trimmed.
 */

import type { Namespace } from "@memory-turso/model"
import type { Database, DatabaseFailure } from "@memory-turso/pool"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { Replay, type Statement } from "../Replay.js"
import type { IdempotencyKey, Recorded } from "../WriteOptions.js"
import type { DocumentSql } from "./documentTable.js"

/** Expired keys are deleted this many at a time, each chunk its own short transaction. */
export const TRIM_CHUNK = 500

/** Trimming runs this often at most (and once per window when the window is shorter). */
const TRIM_EVERY = Duration.hours(1)

const COLUMNS = "namespace, idem_key, fingerprint, status, body, created_at"

/** Forgets the key if it expired, so the write can record it anew (an unexpired one makes `record` fail). */
export const dropExpired = (namespace: Namespace, key: string, cutoff: number): Database.Statement => ({
  sql: "DELETE FROM idempotency_keys WHERE namespace = ? AND idem_key = ? AND created_at < ?",
  args: [namespace, key, cutoff]
})

/** Records a response known before the write (a batch's). Fails the transaction when the key is taken. */
export const record = (namespace: Namespace, key: IdempotencyKey, body: string, now: number): Database.Statement => ({
  sql: `INSERT INTO idempotency_keys (${COLUMNS}) VALUES (?, ?, ?, 200, ?, ?)`,
  args: [namespace, key.key, key.fingerprint, body, now]
})

/**
 * Records the response of a one-document write, after it: the document's JSON (`prefix`, up to its version's
 * value) with the version the write gave it. Records nothing unless the row holds this write (written at `now`
 * with this payload), so a write whose If-Match failed leaves the key free. Fails the transaction when the key is
 * taken.
 */
export const recordDocument = (
  sql: DocumentSql,
  row: { readonly namespace: Namespace; readonly id: string; readonly payload: string | Uint8Array },
  key: IdempotencyKey,
  prefix: string,
  now: number
): Database.Statement => ({
  sql: `INSERT INTO idempotency_keys (${COLUMNS})
SELECT ?1, ?2, ?3, 200, ?4 || version || '}', ?5 FROM ${sql.table}
WHERE namespace = ?1 AND ${sql.id} = ?6 AND updated_at = ?5 AND payload = ?7`,
  args: [row.namespace, key.key, key.fingerprint, prefix, now, row.id, row.payload]
})

/** What the key recorded at `since` or later, if anything. */
export const recall = (
  db: Database.Database["Type"],
  namespace: Namespace,
  key: string,
  since: number
): Effect.Effect<Option.Option<Recorded>, DatabaseFailure> =>
  Effect.map(
    db.execute({
      sql: `SELECT fingerprint, status, body FROM idempotency_keys
WHERE namespace = ? AND idem_key = ? AND created_at >= ?`,
      args: [namespace, key, since]
    }),
    (result) => {
      const row = result.rows[0]
      return row === undefined
        ? Option.none()
        : Option.some({
            fingerprint: String(row["fingerprint"]),
            status: Number(row["status"]),
            body: String(row["body"])
          })
    }
  )

/** Deletes keys recorded before `cutoff`, `TRIM_CHUNK` at a time until none is left; how many it deleted. */
export const trim = (db: Database.Database["Type"], cutoff: number) =>
  Effect.gen(function* () {
    // Deleting expired keys twice changes nothing: safe to replay.
    const statement: Statement = {
      sql: `DELETE FROM idempotency_keys WHERE rowid IN
(SELECT rowid FROM idempotency_keys WHERE created_at < ? ORDER BY created_at LIMIT ?)`,
      args: [cutoff, TRIM_CHUNK],
      replay: new Replay()
    }
    let deleted = 0
    for (;;) {
      const result = yield* db.execute(statement)
      deleted += result.rowsAffected
      if (result.rowsAffected < TRIM_CHUNK) return deleted
      yield* Effect.yieldNow()
    }
  })

/**
 * Trims expired keys in the background: every hour, or every window when that is shorter. A failed trim is logged
 * and tried again next time.
 */
export const trimLoop = (db: Database.Database["Type"], window: Duration.Duration) => {
  const every = Duration.min(window, TRIM_EVERY)
  const once = Effect.gen(function* () {
    const now = yield* Clock.currentTimeMillis
    yield* trim(db, now - Duration.toMillis(window))
  }).pipe(
    Effect.catchAll((error) => Effect.logWarning(`idempotency keys not trimmed: ${error.message}`)),
    Effect.withSpan("Storage.trimIdempotencyKeys")
  )
  return Effect.forever(Effect.zipRight(Effect.sleep(every), once))
}
