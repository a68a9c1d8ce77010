import type { Row } from "@libsql/client"
import type { Namespace } from "@memory-turso/model"
import type { Database, DatabaseFailure } from "@memory-turso/pool"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import type { CanonicalJson } from "../CanonicalJson.js"
import type { BatchGet, Page } from "../Storage.js"
import { CorruptPayload, type Entity, NotFound } from "../StorageError.js"
import { encodeCursor } from "./cursor.js"
import type { DocumentSql } from "./documentTable.js"
import type { PayloadFormat, PayloadKind, StoredPayload } from "./payload.js"

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

/** Storage operations shared by episodes, patterns and heuristics, each within one namespace. */
export const makeDocumentStore = <A extends object>(
  db: Database.Database["Type"],
  format: PayloadFormat,
  spec: DocumentSpec<A>
) => {
  const decodeRow = (row: Row) => {
    const id = String(row["id"])
    return format.read(spec.entity, id, row["payload"] ?? null).pipe(
      Effect.flatMap((json) => {
        const parsed = spec.json.parseStored(json)
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

  const remove = (namespace: Namespace, id: string) =>
    db
      .execute({ sql: spec.sql.remove, args: [namespace, id] })
      .pipe(
        Effect.flatMap((result) =>
          result.rowsAffected === 0 ? Effect.fail(new NotFound({ entity: spec.entity, id })) : Effect.void
        )
      )

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

  return { upsertMany, get, getMany, remove, page }
}
