import type { Value } from "@libsql/client"
import type { Namespace } from "@memory-turso/model"
import type { Database, DatabaseFailure } from "@memory-turso/pool"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import type { CanonicalJson } from "../CanonicalJson.js"
import type { BatchGet, Page } from "../Storage.js"
import { CorruptPayload, type Entity, NotFound } from "../StorageError.js"
import { ByteBudget } from "./budget.js"
import { encodeCursor } from "./cursor.js"
import type { DocumentSql } from "./documentTable.js"
import { decodeSlices, yieldToEventLoop } from "./eventLoop.js"
import type { PayloadFormat, PayloadKind, StoredPayload } from "./payload.js"

/** The columns of a result row that a document store reads (`id`, `payload`, `sort_key`). */
type Fields = Readonly<Record<string, Value | undefined>>

/** What a document store needs to know about one kind of document. */
export interface DocumentSpec<A> {
  readonly entity: Entity
  readonly kind: PayloadKind
  readonly sql: DocumentSql
  readonly json: CanonicalJson<A>
  readonly idOf: (document: A) => string
  /** The statements that write one document. */
  readonly write: (
    namespace: Namespace,
    document: A,
    stored: StoredPayload,
    now: number
  ) => ReadonlyArray<Database.Statement>
}

/**
 * Storage operations shared by episodes, patterns and heuristics, each within one namespace. Pages and batch reads
 * stop at `budget` bytes of documents (a document larger than that is served alone).
 */
export const makeDocumentStore = <A extends object>(
  db: Database.Database["Type"],
  format: PayloadFormat,
  budget: number,
  spec: DocumentSpec<A>
) => {
  /** The document in a row, and the size of its JSON in bytes. */
  const decodeRow = (row: Fields) => {
    const id = String(row["id"])
    return format.read(spec.entity, id, row["payload"] ?? null).pipe(
      Effect.flatMap((json) => {
        const parsed = spec.json.parseStored(json)
        if (parsed._tag === "Left") {
          return Effect.fail(new CorruptPayload({ entity: spec.entity, id, reason: parsed.left.message.slice(0, 500) }))
        }
        return spec.idOf(parsed.right) === id
          ? Effect.succeed({ document: parsed.right, bytes: Buffer.byteLength(json) })
          : Effect.fail(
              new CorruptPayload({ entity: spec.entity, id, reason: "the payload belongs to another record" })
            )
      })
    )
  }

  /** Writes documents in one batch (one round trip, all or nothing). */
  const upsertMany = (namespace: Namespace, documents: ReadonlyArray<A>) =>
    Effect.gen(function* () {
      if (documents.length === 0) return documents
      const now = yield* Clock.currentTimeMillis
      const statements: Array<Database.Statement> = []
      for (const document of documents) {
        const stored = yield* format.write(spec.kind, spec.json.stringify(document))
        statements.push(...spec.write(namespace, document, stored, now))
      }
      yield* db.batch(statements, "write")
      return documents
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

  const remove = (namespace: Namespace, id: string) =>
    db
      .execute({ sql: spec.sql.remove, args: [namespace, id] })
      .pipe(
        Effect.flatMap((result) =>
          result.rowsAffected === 0 ? Effect.fail(new NotFound({ entity: spec.entity, id })) : Effect.void
        )
      )

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
      const payloads = new Map(result.rows.map((row) => [String(row["id"]), row["payload"] ?? null]))
      const rows: Array<Fields> = []
      for (const [i, r] of ranked.entries()) {
        // the row after the last one served only says that another page follows
        const payload = i === limit ? null : payloads.get(r.id)
        if (payload !== undefined) rows.push({ id: r.id, sort_key: r.sort_key, payload })
      }
      return yield* pageOf(namespace, rows, limit)
    })

  return { upsertMany, get, getMany, remove, page, pageOfRanked }
}
