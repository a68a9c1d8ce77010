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
  readonly upsert: string
  readonly select: string
  /** Reads by id within a byte budget (see `budgetedSelectMany`): budget, ids (JSON), namespace, namespace. */
  readonly selectMany: string
  readonly remove: string
  /** A page within a byte budget (see `budgetedListing`). */
  readonly list: (filters: ReadonlyArray<string>, after: boolean) => string
}

/** Builds the SQL for a document table. */
export const documentSql = (t: DocumentTable): DocumentSql => {
  const columns = ["namespace", t.id, ...t.columns, "payload", "payload_bytes", "created_at", "updated_at"]
  const updates = [...t.columns, "payload", "payload_bytes", "updated_at"].map((c) => `${c} = excluded.${c}`)
  const listCache = new Map<string, string>()
  return {
    upsert: `INSERT INTO ${t.table} (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")})
ON CONFLICT (namespace, ${t.id}) DO UPDATE SET ${updates.join(", ")}`,
    select: `SELECT ${t.id} AS id, payload FROM ${t.table} WHERE namespace = ? AND ${t.id} = ?`,
    selectMany: budgetedSelectMany(t.table, t.id),
    remove: `DELETE FROM ${t.table} WHERE namespace = ? AND ${t.id} = ?`,
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

/** Upserts one document; an update keeps `created_at`. */
export const upsert = (sql: DocumentSql, row: DocumentRow, now: number): Database.Statement => ({
  sql: sql.upsert,
  args: [row.namespace, row.id, ...row.values, row.payload, row.payloadBytes, now, now]
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
