import type { InValue, Row } from "@libsql/client"
import type { Namespace } from "@memory-turso/model"
import type { Database, DatabaseFailure } from "@memory-turso/pool"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { type CanonicalJson, numberFieldPrefix } from "../CanonicalJson.js"
import { mark, Replay } from "../Replay.js"
import type { BatchGet, Page, StoredJson } from "../Storage.js"
import { type CorruptPayload, type Entity, NotFound, PreconditionFailed } from "../StorageError.js"
import { type BatchOptions, batchResult, type VersionCondition, type WriteOptions } from "../WriteOptions.js"
import { ByteBudget } from "./budget.js"
import { encodeCursor } from "./cursor.js"
import { type Fields, rowReader } from "./documentRows.js"
import { type DocumentSql, holds, update, upsert } from "./documentTable.js"
import { decodeSlices, yieldToEventLoop } from "./eventLoop.js"
import * as Keys from "./idempotencyKeys.js"
import type { PayloadFormat, PayloadKind } from "./payload.js"
import type { TextSql } from "./textIndex.js"
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
  /**
   * The index rows of many documents with distinct ids written without an expected version, in a few statements for
   * all of them: the same rows as `indexRows` of each (a batch then runs a handful of statements, not four each).
   */
  readonly indexRowsMany?: (namespace: Namespace, documents: ReadonlyArray<A>) => ReadonlyArray<Database.Statement>
  /** The document's full-text row: its statements and the words it is found by (see `textIndex.ts`). */
  readonly text?: { readonly sql: TextSql; readonly of: (document: A) => string }
}

/** How many rows one batch of the full-text backfill indexes. */
const BACKFILL_CHUNK = 200

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
 * back with its row's version; idempotency keys are kept for `window`. Pages and batch reads stop at `budget` bytes
 * of documents (a document larger than that is served alone).
 */
export const makeDocumentStore = <A extends object>(
  db: Database.Database["Type"],
  format: PayloadFormat,
  window: Duration.Duration,
  budget: number,
  spec: DocumentSpec<A>
) => {
  const windowMs = Duration.toMillis(window)

  const { decodeRow, jsonOfRow } = rowReader(format, spec)

  /** A document ready to write: its JSON without version, its row, and the statements refreshing its index. */
  const prepare = (namespace: Namespace, document: A, expected: number | null, index = true) =>
    Effect.gen(function* () {
      const plain = withoutVersion(document)
      const json = spec.json.stringify(plain)
      const stored = yield* format.write(spec.kind, json)
      const row = { namespace, id: spec.idOf(plain), values: spec.values(plain), ...stored }
      return { plain, json, row, index: (index && spec.indexRows?.(namespace, plain, expected)) || [] }
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
      if (spec.text !== undefined) statements.push(spec.text.sql.afterWrite(namespace, row.id, spec.text.of(plain)))
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
      const many = spec.indexRowsMany
      if (many === undefined) {
        for (const document of documents) {
          const { index, plain, row } = yield* prepare(namespace, document, null)
          statements.push(...index)
          written.push({ plain, at: statements.length })
          statements.push(upsert(spec.sql, row, now))
        }
      } else {
        // Every document's index rows first, in a few statements: those of the last write of each id (an earlier
        // write of the same id in the batch would see its rows replaced by the later one's anyway).
        const prepared: Array<{ readonly plain: A; readonly row: Parameters<typeof upsert>[1] }> = []
        const last = new Map<string, A>()
        for (const document of documents) {
          const { plain, row } = yield* prepare(namespace, document, null, false)
          prepared.push({ plain, row })
          last.delete(row.id)
          last.set(row.id, plain)
        }
        statements.push(...many(namespace, [...last.values()]))
        for (const { plain, row } of prepared) {
          written.push({ plain, at: statements.length })
          statements.push(upsert(spec.sql, row, now))
        }
      }
      const text = spec.text
      if (text !== undefined) {
        statements.push(
          text.sql.afterWrites(
            namespace,
            written.map(({ plain }) => [spec.idOf(plain), text.of(plain)])
          )
        )
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
        return row === undefined
          ? Effect.fail(new NotFound({ entity: spec.entity, id }))
          : Effect.map(decodeRow(row), (decoded) => decoded.document)
      })
    )

  /** One document as its canonical JSON bytes (see `jsonOfRow`). */
  const getJson = (namespace: Namespace, id: string) =>
    db.execute({ sql: spec.sql.select, args: [namespace, id] }).pipe(
      Effect.flatMap((result): Effect.Effect<StoredJson, NotFound | CorruptPayload | DatabaseFailure> => {
        const row = result.rows[0]
        return row === undefined ? Effect.fail(new NotFound({ entity: spec.entity, id })) : jsonOfRow(id, row)
      })
    )

  /**
   * Reads many documents with one statement in one batch call, in the order asked, until the budget is spent: the
   * ids past it are `unread`. Rows past the budget come back without their payload, and each payload is decoded
   * and measured in turn, so a batch never holds much more than the budget.
   */
  const getMany = (namespace: Namespace, ids: ReadonlyArray<string>) =>
    Effect.gen(function* () {
      if (ids.length === 0) return { found: [], missing: [], unread: [] } satisfies BatchGet<A>
      const unique = [...new Set(ids)]
      const [result] = yield* db.batch(
        [{ sql: spec.sql.selectMany, args: [budget, JSON.stringify(unique), namespace, namespace] }],
        "read"
      )
      yield* yieldToEventLoop
      const byId = new Map<string, A>()
      const unreadIds = new Set<string>()
      const spent = new ByteBudget(budget)
      const slices = decodeSlices()
      for (const row of result?.rows ?? []) {
        const id = String(row["id"])
        if (unreadIds.size > 0 || row["payload"] === null) {
          unreadIds.add(id)
          continue
        }
        const { bytes, document } = yield* decodeRow(row)
        if (spent.admit(bytes)) byId.set(id, document)
        else unreadIds.add(id)
        if (slices.done(bytes)) yield* yieldToEventLoop
      }
      const found: Array<A> = []
      const missing: Array<string> = []
      const unread: Array<string> = []
      for (const id of ids) {
        const document = byId.get(id)
        if (document !== undefined) found.push(document)
        else if (unreadIds.has(id)) unread.push(id)
        else missing.push(id)
      }
      return { found, missing, unread } satisfies BatchGet<A>
    })

  /**
   * Deletes one document. Unconditional: sent once (a replay could delete a record created since). With
   * `ifVersion`: only at that version, replayed after a lost reply, and a replay that finds no record reports
   * success (the first attempt deleted it).
   */
  const remove = (namespace: Namespace, id: string, options: VersionCondition = {}) =>
    Effect.gen(function* () {
      const expected = options.ifVersion
      const text = spec.text === undefined ? [] : [spec.text.sql.beforeDelete(namespace, id, expected)]
      if (expected === undefined) {
        const remove = { sql: spec.sql.remove, args: [namespace, id] }
        const results = yield* (
          text.length === 0 ? Effect.map(db.execute(remove), (r) => [r]) : db.batch([...text, remove], "write")
        ).pipe(unknownOutcome(spec.entity, id))
        if (results[text.length]!.rowsAffected === 0) return yield* new NotFound({ entity: spec.entity, id })
        return
      }
      const replay = new Replay()
      const [deleted, current] = yield* db
        .batch(
          mark(
            [
              ...text,
              { sql: spec.sql.removeAt, args: [namespace, id, expected] },
              { sql: spec.sql.version, args: [namespace, id] }
            ],
            replay
          ),
          "write"
        )
        .pipe(
          unknownOutcome(spec.entity, id),
          Effect.map((results) => results.slice(text.length))
        )
      if (deleted!.rowsAffected > 0) return
      const actual = versionOf(current)
      if (actual === undefined && replay.replays > 0) return
      return yield* new PreconditionFailed({ entity: spec.entity, id, expected, actual })
    })

  /**
   * Turns the rows of a page (`id`, `sort_key`, `payload`; up to `limit + 1`, newest first) into a page: documents in
   * order until the limit, the budget or a row without payload (past the budget in SQL) is reached, then the cursor
   * after the last one served. Each payload is decoded and measured in turn, letting the event loop in between
   * slices.
   */
  const pageOf = (namespace: Namespace, rows: ReadonlyArray<Fields>, limit: number) =>
    Effect.gen(function* () {
      const items: Array<A> = []
      const spent = new ByteBudget(budget)
      const slices = decodeSlices()
      let last: Fields | undefined
      for (const row of rows.slice(0, limit)) {
        if (row["payload"] === null) break
        const { bytes, document } = yield* decodeRow(row)
        if (!spent.admit(bytes)) break
        items.push(document)
        last = row
        if (slices.done(bytes)) yield* yieldToEventLoop
      }
      const next_cursor =
        rows.length > items.length && last !== undefined
          ? encodeCursor(namespace, { key: Number(last["sort_key"]), id: String(last["id"]) })
          : null
      return { items, next_cursor } satisfies Page<A>
    })

  /**
   * Runs a budgeted listing statement that fetched up to `limit + 1` rows (see `budgetedListing`): its page. The
   * event loop runs between the statement and the decoding.
   */
  const page = (namespace: Namespace, statement: Database.Statement, limit: number) =>
    Effect.flatMap(db.execute(statement), (result) =>
      Effect.zipRight(yieldToEventLoop, pageOf(namespace, result.rows, limit))
    )

  /**
   * The page of documents already ranked (up to `limit + 1` ids and sort keys, newest first): their payloads read
   * in that order within the budget, in one statement. A document deleted meanwhile is left out.
   */
  const pageOfRanked = (
    namespace: Namespace,
    ranked: ReadonlyArray<{ readonly id: string; readonly sort_key: number }>,
    limit: number
  ) =>
    Effect.gen(function* () {
      const served = ranked.slice(0, limit)
      const result = yield* db.execute({
        sql: spec.sql.selectMany,
        args: [budget, JSON.stringify(served.map((r) => r.id)), namespace, namespace]
      })
      yield* yieldToEventLoop
      const byId = new Map(result.rows.map((row) => [String(row["id"]), row]))
      const rows: Array<Fields> = []
      for (const [i, r] of ranked.entries()) {
        // the row after the last one served only says that another page follows
        const found = byId.get(r.id)
        if (i === limit) rows.push({ id: r.id, sort_key: r.sort_key, payload: null })
        else if (found !== undefined)
          rows.push({ id: r.id, sort_key: r.sort_key, payload: found["payload"] ?? null, version: found["version"] })
      }
      return yield* pageOf(namespace, rows, limit)
    })

  /**
   * Indexes the text of rows stored before the full-text tables existed (migration 8 marks their tables in
   * `text_backfill`): in rowid order, `BACKFILL_CHUNK` rows a batch, each batch writing their text rows (only for
   * rows still at the version read, so a newer write's text is never replaced) and the mark's progress together;
   * the mark goes when the table is done. Resumes where a previous run stopped. Returns the rows indexed.
   */
  const backfillText = Effect.gen(function* () {
    const text = spec.text
    if (text === undefined) return 0
    const table = spec.sql.table
    let indexed = 0
    while (true) {
      const mark = yield* db.execute({
        sql: "SELECT after_rowid FROM text_backfill WHERE table_name = ?",
        args: [table]
      })
      const after = mark.rows[0]?.["after_rowid"]
      if (after === undefined || after === null) return indexed
      const chunk = yield* db.execute({
        sql: `SELECT rowid AS position, ${spec.sql.id} AS id, version, payload, namespace FROM ${table}
WHERE rowid > ? ORDER BY rowid LIMIT ?`,
        args: [after, BACKFILL_CHUNK]
      })
      const statements: Array<Database.Statement> = []
      for (const row of chunk.rows) {
        // a damaged row is left out of the text index (reading it fails the same way as before)
        const decoded = yield* Effect.either(decodeRow(row))
        if (decoded._tag === "Left") {
          yield* Effect.logWarning(`full-text backfill: ${decoded.left.message}`)
          continue
        }
        const document = decoded.right.document
        statements.push(text.sql.backfill(Number(row["position"]), Number(row["version"]), text.of(document)))
      }
      const end = chunk.rows.at(-1)
      statements.push(
        chunk.rows.length < BACKFILL_CHUNK || end === undefined
          ? { sql: "DELETE FROM text_backfill WHERE table_name = ?", args: [table] }
          : { sql: "UPDATE text_backfill SET after_rowid = ? WHERE table_name = ?", args: [end["position"]!, table] }
      )
      yield* db.batch(statements, "write")
      indexed += chunk.rows.length
      yield* yieldToEventLoop
    }
  })

  return { put, putMany, get, getJson, getMany, remove, page, pageOfRanked, backfillText }
}
