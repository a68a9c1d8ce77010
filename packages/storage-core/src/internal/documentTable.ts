import type { InValue } from "@libsql/client"
import type { Namespace } from "@memory-turso/model"
import type { Database } from "@memory-turso/pool"
import { budgetedListing, budgetedSelectMany } from "./budget.js"
import type { Position } from "./cursor.js"

/**
 * A table of JSON documents: a namespace and an id (the primary key), a few indexed columns derived from the
 * document, the payload (JSON text or a codec envelope), its plain size, and creation/update times in milliseconds.
 * Every statement below names the namespace, so no statement can reach another namespace's rows.
 */
export interface DocumentTable {
  readonly table: string
  readonly id: string
  /** Indexed columns besides the id, in the order `upsert` takes their values. */
  readonly columns: ReadonlyArray<string>
  /** The column a listing orders by (descending, then the id). */
  readonly orderBy: string
}

/** The SQL texts for one table, built once so every call sends the same text (statement caches hit). */
export interface DocumentSql {
  readonly table: string
  readonly id: string
  /** Inserts or replaces a document; the version starts at 1 and grows by one. Returns the version. */
  readonly upsert: string
  /** Replaces a document only at the expected version (the last argument). Returns the new version, if it did. */
  readonly update: string
  /** The version, and whether the row holds a given write (its version, update time and payload): `ours`. */
  readonly holds: string
  readonly select: string
  /** Reads by id within a byte budget (see `budgetedSelectMany`): budget, ids (JSON), namespace, namespace. */
  readonly selectMany: string
  readonly remove: string
  /** Deletes a document only at the expected version. */
  readonly removeAt: string
  /** The version of a document, if there is one. */
  readonly version: string
  /** A page within a byte budget (see `budgetedListing`). */
  readonly list: (filters: ReadonlyArray<string>, after: boolean) => string
}

/** Builds the SQL for a document table. */
export const documentSql = (t: DocumentTable): DocumentSql => {
  const columns = ["namespace", t.id, ...t.columns, "payload", "payload_bytes", "created_at", "updated_at"]
  const updates = [...t.columns, "payload", "payload_bytes", "updated_at"].map((c) => `${c} = excluded.${c}`)
  // `update` takes the arguments of `upsert` (numbered alike: namespace ?1, id ?2, ...) and the expected version.
  const number = (column: string) => columns.indexOf(column) + 1
  const assignments = [...t.columns, "payload", "payload_bytes", "updated_at"].map((c) => `${c} = ?${number(c)}`)
  const key = `namespace = ? AND ${t.id} = ?`
  const listCache = new Map<string, string>()
  return {
    table: t.table,
    id: t.id,
    upsert: `INSERT INTO ${t.table} (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")})
ON CONFLICT (namespace, ${t.id}) DO UPDATE SET ${updates.join(", ")}, version = ${t.table}.version + 1
RETURNING version`,
    update: `UPDATE ${t.table} SET ${assignments.join(", ")}, version = version + 1
WHERE namespace = ?1 AND ${t.id} = ?2 AND version = ?${columns.length + 1}
RETURNING version`,
    holds: `SELECT version, (version = ?3 AND updated_at = ?4 AND payload = ?5) AS ours FROM ${t.table}
WHERE namespace = ?1 AND ${t.id} = ?2`,
    select: `SELECT ${t.id} AS id, version, payload FROM ${t.table} WHERE ${key}`,
    selectMany: budgetedSelectMany(t.table, t.id),
    remove: `DELETE FROM ${t.table} WHERE ${key}`,
    removeAt: `DELETE FROM ${t.table} WHERE ${key} AND version = ?`,
    version: `SELECT version FROM ${t.table} WHERE ${key}`,
    list: (filters, after) => {
      const key = `${filters.join(",")}|${after}`
      let sql = listCache.get(key)
      if (sql === undefined) {
        const where = [
          "namespace = ?",
          ...filters.map((c) => `${c} = ?`),
          ...(after ? [`(${t.orderBy} < ? OR (${t.orderBy} = ? AND ${t.id} < ?))`] : [])
        ]
        const listing = `SELECT ${t.id} AS id, ${t.orderBy} AS sort_key, payload_bytes FROM ${t.table}
WHERE ${where.join(" AND ")}
ORDER BY ${t.orderBy} DESC, ${t.id} DESC LIMIT ?`
        sql = budgetedListing(t.table, t.id, listing)
        listCache.set(key, sql)
      }
      return sql
    }
  }
}

/** A stored document: its namespace and id, indexed values, payload and plain size. */
export interface DocumentRow {
  readonly namespace: Namespace
  readonly id: string
  readonly values: ReadonlyArray<InValue>
  readonly payload: string | Uint8Array
  readonly payloadBytes: number
}

const rowArgs = (row: DocumentRow, now: number) => [
  row.namespace,
  row.id,
  ...row.values,
  row.payload,
  row.payloadBytes,
  now,
  now
]

/** Upserts one document; an update keeps `created_at` and adds one to the version. Returns the version. */
export const upsert = (sql: DocumentSql, row: DocumentRow, now: number): Database.Statement => ({
  sql: sql.upsert,
  args: rowArgs(row, now)
})

/** Replaces one document if it is at version `expected`. Returns the new version, or no row. */
export const update = (sql: DocumentSql, row: DocumentRow, now: number, expected: number): Database.Statement => ({
  sql: sql.update,
  args: [...rowArgs(row, now), expected]
})

/**
 * The document's version and whether it holds this write (`update` at `expected`, at `now`, with this payload):
 * after a replay of a write that had committed, the guard fails but the row is already the write's.
 */
export const holds = (sql: DocumentSql, row: DocumentRow, now: number, expected: number): Database.Statement => ({
  sql: sql.holds,
  args: [row.namespace, row.id, expected + 1, now, row.payload]
})

/**
 * A page of one namespace's documents with equality filters, after a position, newest first, its payloads within
 * `budget` bytes.
 */
export const list = (
  sql: DocumentSql,
  namespace: Namespace,
  filters: ReadonlyArray<readonly [column: string, value: InValue]>,
  after: Position | undefined,
  limit: number,
  budget: number
): Database.Statement => ({
  sql: sql.list(
    filters.map(([column]) => column),
    after !== undefined
  ),
  args: [
    budget,
    namespace,
    ...filters.map(([, value]) => value),
    ...(after !== undefined ? [after.key, after.key, after.id] : []),
    limit + 1,
    namespace
  ]
})
