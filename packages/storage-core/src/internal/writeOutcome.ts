import type { Namespace } from "@memory-turso/model"
import type { Database, DatabaseError, DatabaseFailure } from "@memory-turso/pool"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { type Entity, IdempotencyKeyUsed, OutcomeUnknown } from "../StorageError.js"
import type { IdempotencyKey } from "../WriteOptions.js"
import { recall } from "./idempotencyKeys.js"

/** SQLite's answers that a write never ran: the database was locked by another writer (nothing was applied). */
const NOT_APPLIED = new Set(["SQLITE_BUSY", "SQLITE_LOCKED"])

/**
 * A write's failure as callers see it: the database becoming unavailable while it ran leaves its outcome unknown;
 * not a full pool (which sends nothing) nor a lock another writer held (SQLite applied nothing).
 */
export const unknownOutcome =
  (entity: Entity, id: string) =>
  <A, R>(write: Effect.Effect<A, DatabaseFailure, R>): Effect.Effect<A, DatabaseFailure | OutcomeUnknown, R> =>
    Effect.mapError(write, (error): DatabaseFailure | OutcomeUnknown =>
      error._tag === "DatabaseUnavailable" && error.timeout === undefined && !NOT_APPLIED.has(error.code ?? "")
        ? new OutcomeUnknown({ entity, id, reason: error.message })
        : error
    )

/**
 * A keyed write the database refused: when the key was recorded since `since` (by an earlier write, or by this
 * write's own first attempt before a replay), `IdempotencyKeyUsed` with what it recorded; else the refusal.
 */
export const whenKeyTaken =
  (db: Database.Database["Type"], namespace: Namespace, key: IdempotencyKey | undefined, since: number) =>
  (error: DatabaseError): Effect.Effect<never, DatabaseFailure | IdempotencyKeyUsed> =>
    key === undefined
      ? Effect.fail(error)
      : Effect.flatMap(
          recall(db, namespace, key.key, since),
          (recorded): Effect.Effect<never, DatabaseFailure | IdempotencyKeyUsed> =>
            Option.isSome(recorded)
              ? Effect.fail(new IdempotencyKeyUsed({ key: key.key, recorded: recorded.value }))
              : Effect.fail(error)
        )
