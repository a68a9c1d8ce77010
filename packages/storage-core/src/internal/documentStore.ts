import type { InValue, Row } from "@libsql/client"
import type { Namespace } from "@memory-turso/model"
import type { Database, DatabaseFailure } from "@memory-turso/pool"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { type CanonicalJson, numberFieldPrefix, withNumberField } from "../CanonicalJson.js"
import { mark, Replay } from "../Replay.js"
import type { BatchGet, Page } from "../Storage.js"
import { CorruptPayload, type Entity, NotFound, PreconditionFailed } from "../StorageError.js"
import { type BatchOptions, batchResult, type VersionCondition, type WriteOptions } from "../WriteOptions.js"
import { encodeCursor } from "./cursor.js"
import { type DocumentSql, holds, update, upsert } from "./documentTable.js"
import * as Keys from "./idempotencyKeys.js"
import type { PayloadFormat, PayloadKind } from "./payload.js"
import { unknownOutcome, whenKeyTaken } from "./writeOutcome.js"

/** What a document store needs to know about one kind of document. */
export interface DocumentSpec<A> {
  readonly entity: Entity
  readonly kind: PayloadKind
  readonly sql: DocumentSql
  readonly json: CanonicalJson<A>
  readonly idOf: (document: A) => string
  /** The document's values of its table's indexed columns, in their order. */
  readonly values: (document: A) => ReadonlyArray<InValue>
  /**
   * Statements that refresh the document's index rows in other tables, run before its row is written: with an
   * expected version, each must do nothing unless the row is at it (see `episodeIndexRows`).
   */
  readonly indexRows?: (namespace: Namespace, document: A, expected: number | null) => ReadonlyArray<Database.Statement>
}

/** The field every stored document carries; its value lives in the row's `version` column, not in the payload. */
const VERSION = "version"

/** The document without its `version`: what the payload keeps. */
const withoutVersion = <A extends object>(document: A): A => {
  if (!(VERSION in document)) return document
  const { [VERSION]: _version, ...rest } = document as A & { readonly version?: number }
  return rest as A
}

/**
 * Storage operations shared by episodes, patterns and heuristics, each within one namespace. Every document comes
 * back with its row's version; idempotency keys are kept for `window`.
 */
export const makeDocumentStore = <A extends object>(
  db: Database.Database["Type"],
  format: PayloadFormat,
  window: Duration.Duration,
  spec: DocumentSpec<A>
) => {
  const windowMs = Duration.toMillis(window)

  const decodeRow = (row: Row) => {
    const id = String(row["id"])
    return format.read(spec.entity, id, row["payload"] ?? null).pipe(
      Effect.flatMap((json) => {
        const parsed = spec.json.parseStored(withNumberField(json, VERSION, Number(row[VERSION])))
        if (parsed._tag === "Left") {
          return Effect.fail(new CorruptPayload({ entity: spec.entity, id, reason: parsed.left.message.slice(0, 500) }))
        }
        return spec.idOf(parsed.right) === id
          ? Effect.succeed(parsed.right)
          : Effect.fail(
              new CorruptPayload({ entity: spec.entity, id, reason: "the payload belongs to another record" })
            )
      })
    )
  }

  /** A document ready to write: its JSON without version, its row, and the statements refreshing its index. */
  const prepare = (namespace: Namespace, document: A, expected: number | null) =>
    Effect.gen(function* () {
      const plain = withoutVersion(document)
      const json = spec.json.stringify(plain)
      const stored = yield* format.write(spec.kind, json)
      const row = { namespace, id: spec.idOf(plain), values: spec.values(plain), ...stored }
      return { plain, json, row, index: spec.indexRows?.(namespace, plain, expected) ?? [] }
    })

  const versionOf = (result: { readonly rows: ReadonlyArray<Row> } | undefined) => {
    const row = result?.rows[0]
    return row === undefined ? undefined : Number(row[VERSION])
  }

  /**
   * Writes one document in one batch: its index rows, its row (an upsert, or with `ifVersion` an update at that
   * version), and with a key the response recorded. Returns the document with its new version. A guarded or keyed
   * write may be replayed after a lost reply: the guard, or the recorded key, stops a second run from overwriting.
   */
  const put = (namespace: Namespace, document: A, options: WriteOptions = {}) =>
    Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      const expected = options.ifVersion ?? null
      const key = options.idempotency
      const { index, json, plain, row } = yield* prepare(namespace, document, expected)
      const statements: Array<Database.Statement> = []
      if (key !== undefined) statements.push(Keys.dropExpired(namespace, key.key, now - windowMs))
      statements.push(...index)
      const at = statements.length
      if (expected === null) statements.push(upsert(spec.sql, row, now))
      else statements.push(update(spec.sql, row, now, expected), holds(spec.sql, row, now, expected))
      if (key !== undefined) {
        statements.push(Keys.recordDocument(spec.sql, row, key, numberFieldPrefix(json, VERSION), now))
      }
      const replay = expected !== null || key !== undefined ? new Replay() : undefined
      const results = yield* db
        .batch(mark(statements, replay), "write")
        .pipe(
          unknownOutcome(spec.entity, row.id),
          Effect.catchTag("DatabaseError", whenKeyTaken(db, namespace, key, now - windowMs))
        )
      const written = versionOf(results[at])
      if (written !== undefined || expected === null) return spec.json.withNumber(plain, VERSION, written!)
      // The update found another version, or no record. After a replay, the row may hold this write already.
      const current = results[at + 1]?.rows[0]
      if (current !== undefined && Number(current["ours"]) === 1) {
        return spec.json.withNumber(plain, VERSION, expected + 1)
      }
      const actual = current === undefined ? undefined : Number(current[VERSION])
      return yield* new PreconditionFailed({ entity: spec.entity, id: row.id, expected, actual })
    })

  /**
   * Writes documents in one batch (one round trip, all or nothing); with a key, the batch's result is recorded in
   * the same transaction, first, so a taken key stops the batch before it writes. Returns them with their versions.
   */
  const putMany = (namespace: Namespace, documents: ReadonlyArray<A>, options: BatchOptions = {}) =>
    Effect.gen(function* () {
      if (documents.length === 0) return documents
      const now = yield* Clock.currentTimeMillis
      const key = options.idempotency
      const statements: Array<Database.Statement> = []
      if (key !== undefined) {
        const body = batchResult(documents.map(spec.idOf))
        statements.push(Keys.dropExpired(namespace, key.key, now - windowMs), Keys.record(namespace, key, body, now))
      }
      const written: Array<{ readonly plain: A; readonly at: number }> = []
      for (const document of documents) {
        const { index, plain, row } = yield* prepare(namespace, document, null)
        statements.push(...index)
        written.push({ plain, at: statements.length })
        statements.push(upsert(spec.sql, row, now))
      }
      const replay = key === undefined ? undefined : new Replay()
      const results = yield* db
        .batch(mark(statements, replay), "write")
        .pipe(
          unknownOutcome(spec.entity, spec.idOf(documents[0]!)),
          Effect.catchTag("DatabaseError", whenKeyTaken(db, namespace, key, now - windowMs))
        )
      return written.map(({ at, plain }) => spec.json.withNumber(plain, VERSION, versionOf(results[at])!))
    })

  const get = (namespace: Namespace, id: string) =>
    db.execute({ sql: spec.sql.select, args: [namespace, id] }).pipe(
      Effect.flatMap((result): Effect.Effect<A, NotFound | CorruptPayload | DatabaseFailure> => {
        const row = result.rows[0]
        return row === undefined ? Effect.fail(new NotFound({ entity: spec.entity, id })) : decodeRow(row)
      })
    )

  /** Reads many documents with one statement in one batch call. */
  const getMany = (namespace: Namespace, ids: ReadonlyArray<string>) =>
    Effect.gen(function* () {
      if (ids.length === 0) return { found: [], missing: [] } satisfies BatchGet<A>
      const [result] = yield* db.batch([{ sql: spec.sql.selectMany, args: [namespace, JSON.stringify(ids)] }], "read")
      const byId = new Map<string, A>()
      for (const row of result?.rows ?? []) byId.set(String(row["id"]), yield* decodeRow(row))
      const found: Array<A> = []
      const missing: Array<string> = []
      for (const id of ids) {
        const document = byId.get(id)
        if (document === undefined) missing.push(id)
        else found.push(document)
      }
      return { found, missing } satisfies BatchGet<A>
    })

  /**
   * Deletes one document. Unconditional: sent once (a replay could delete a record created since). With
   * `ifVersion`: only at that version, replayed after a lost reply, and a replay that finds no record reports
   * success (the first attempt deleted it).
   */
  const remove = (namespace: Namespace, id: string, options: VersionCondition = {}) =>
    Effect.gen(function* () {
      const expected = options.ifVersion
      if (expected === undefined) {
        const result = yield* db
          .execute({ sql: spec.sql.remove, args: [namespace, id] })
          .pipe(unknownOutcome(spec.entity, id))
        if (result.rowsAffected === 0) return yield* new NotFound({ entity: spec.entity, id })
        return
      }
      const replay = new Replay()
      const [deleted, current] = yield* db
        .batch(
          mark(
            [
              { sql: spec.sql.removeAt, args: [namespace, id, expected] },
              { sql: spec.sql.version, args: [namespace, id] }
            ],
            replay
          ),
          "write"
        )
        .pipe(unknownOutcome(spec.entity, id))
      if (deleted!.rowsAffected > 0) return
      const actual = versionOf(current)
      if (actual === undefined && replay.replays > 0) return
      return yield* new PreconditionFailed({ entity: spec.entity, id, expected, actual })
    })

  /** Runs a listing statement that fetched `limit + 1` rows and turns it into a page. */
  const page = (namespace: Namespace, statement: Database.Statement, limit: number) =>
    Effect.gen(function* () {
      const result = yield* db.execute(statement)
      const rows = result.rows.slice(0, limit)
      const items: Array<A> = []
      for (const row of rows) items.push(yield* decodeRow(row))
      const last = rows[rows.length - 1]
      const next_cursor =
        result.rows.length > limit && last !== undefined
          ? encodeCursor(namespace, { key: Number(last["sort_key"]), id: String(last["id"]) })
          : null
      return { items, next_cursor } satisfies Page<A>
    })

  return { put, putMany, get, getMany, remove, page }
}
