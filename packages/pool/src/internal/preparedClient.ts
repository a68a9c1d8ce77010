import { type Client, type InStatement, type InValue, LibsqlError, type ResultSet, type Row } from "@libsql/client"
import Sqlite, { type Statement as Prepared } from "libsql"
import type { PreparedStatementStats } from "../PreparedStatements.js"

const BEGIN = { write: "BEGIN IMMEDIATE", read: "BEGIN TRANSACTION READONLY", deferred: "BEGIN DEFERRED" } as const

/** One cached statement: prepared once, with what it returns known once. */
interface Cached {
  readonly statement: Prepared
  readonly columns: ReadonlyArray<string> | undefined
  readonly columnTypes: ReadonlyArray<string>
}

/** The error the client would raise for a native SQLite error, so callers classify it the same way. */
const toLibsqlError = (error: unknown): unknown => {
  if (error instanceof Sqlite.SqliteError) {
    const code = typeof error.rawCode === "number" ? error.code.replace(/^(SQLITE_[A-Z]+)_.*/, "$1") : error.code
    return new LibsqlError(error.message, code, error.code, error.rawCode, error)
  }
  return error
}

/** Arguments as the native binding takes them (as @libsql/client converts them). */
const bindable = (value: InValue): unknown => {
  if (typeof value === "boolean") return value ? 1 : 0
  if (value instanceof ArrayBuffer) return Buffer.from(value)
  if (value instanceof Date) return value.valueOf()
  return value
}

/** A native value as the client returns it (numbers for safe integers, ArrayBuffer for blobs). */
const fromNative = (value: unknown): unknown => {
  if (typeof value === "bigint") {
    if (value < BigInt(Number.MIN_SAFE_INTEGER) || value > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new RangeError("Received integer which cannot be safely represented as a JavaScript number")
    }
    return Number(value)
  }
  if (value instanceof Buffer) return value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength)
  return value
}

const resultSet = (
  columns: ReadonlyArray<string>,
  columnTypes: ReadonlyArray<string>,
  rows: Array<Row>,
  rowsAffected: number,
  lastInsertRowid: bigint | undefined
): ResultSet => ({
  columns: columns as Array<string>,
  columnTypes: columnTypes as Array<string>,
  rows,
  rowsAffected,
  lastInsertRowid,
  toJSON: () => ({ columns, columnTypes, rows, rowsAffected, lastInsertRowid: lastInsertRowid?.toString() ?? null })
})

/**
 * A `@libsql/client` client for an embedded database whose `execute` and `batch` run on one native connection with
 * an LRU cache of prepared statements (the client re-prepares every statement). Results match the client's
 * (named and indexed row fields, numbers, ArrayBuffer blobs, LibsqlError codes). Interactive transactions,
 * `executeMultiple` and `migrate` go to the wrapped client, which opens its own connections.
 */
export const withPreparedStatements = (
  client: Client,
  options: { readonly path: string; readonly capacity: number; readonly busyTimeoutMs: number }
): { readonly client: Client; readonly stats: () => PreparedStatementStats } => {
  const db = new Sqlite(options.path, { timeout: options.busyTimeoutMs })
  const cache = new Map<string, Cached>()
  let hits = 0
  let misses = 0
  let evictions = 0
  let prepareUs = 0

  const prepared = (sql: string): Cached => {
    const found = cache.get(sql)
    if (found !== undefined) {
      hits++
      // Re-insert: Map order is the recency order.
      cache.delete(sql)
      cache.set(sql, found)
      return found
    }
    misses++
    const start = performance.now()
    const statement = db.prepare(sql)
    statement.safeIntegers(true)
    const reader = statement.reader
    if (reader) statement.raw(true)
    const definitions = reader ? statement.columns() : []
    const entry: Cached = {
      statement,
      columns: reader ? definitions.map((c) => c.name) : undefined,
      columnTypes: definitions.map((c) => c.type ?? "")
    }
    prepareUs += (performance.now() - start) * 1000
    cache.set(sql, entry)
    if (cache.size > options.capacity) {
      cache.delete(cache.keys().next().value as string)
      evictions++
    }
    return entry
  }

  const run = (input: InStatement): ResultSet => {
    const { args = [], sql } = typeof input === "string" ? { sql: input, args: [] } : input
    const bound = Array.isArray(args)
      ? args.map(bindable)
      : Object.fromEntries(Object.entries(args).map(([k, v]) => [k.replace(/^[@$:]/, ""), bindable(v)]))
    const { columnTypes, columns, statement } = prepared(sql)
    if (columns === undefined) {
      const info = statement.run(bound)
      return resultSet([], [], [], info.changes, BigInt(info.lastInsertRowid))
    }
    const rows = (statement.all(bound) as Array<Array<unknown>>).map((raw) => {
      const row: Record<string | number, unknown> = {}
      Object.defineProperty(row, "length", { value: raw.length })
      for (let i = 0; i < raw.length; i++) {
        const value = fromNative(raw[i])
        Object.defineProperty(row, i, { value })
        const name = columns[i]!
        if (!Object.hasOwn(row, name)) row[name] = value
      }
      return row as unknown as Row
    })
    return resultSet(columns, columnTypes, rows, 0, undefined)
  }

  const attempt = <A>(f: () => A): Promise<A> => {
    try {
      return Promise.resolve(f())
    } catch (error) {
      return Promise.reject(toLibsqlError(error))
    }
  }

  const wrapped: Client = {
    execute: ((statement: InStatement | string, args?: Array<InValue>) =>
      attempt(() =>
        run(typeof statement === "string" ? { sql: statement, args: args ?? [] } : statement)
      )) as Client["execute"],
    batch: ((statements: Array<InStatement | [string, Array<InValue>?]>, mode: keyof typeof BEGIN = "deferred") =>
      attempt(() => {
        db.exec(BEGIN[mode])
        try {
          const results = statements.map((s) => run(Array.isArray(s) ? { sql: s[0], args: s[1] ?? [] } : s))
          db.exec("COMMIT")
          return results
        } catch (error) {
          if (db.inTransaction) db.exec("ROLLBACK")
          throw error
        }
      })) as Client["batch"],
    migrate: (statements) => client.migrate(statements),
    transaction: ((mode?: "write" | "read" | "deferred") => client.transaction(mode)) as Client["transaction"],
    executeMultiple: (sql) => client.executeMultiple(sql),
    sync: () => client.sync(),
    reconnect: () => client.reconnect(),
    close: () => {
      cache.clear()
      db.close()
      client.close()
    },
    get closed() {
      return client.closed
    },
    protocol: client.protocol
  }

  const stats = (): PreparedStatementStats => ({
    hits,
    misses,
    hit_rate: hits + misses === 0 ? 0 : hits / (hits + misses),
    avg_prep_time_us: misses === 0 ? 0 : prepareUs / misses,
    cached: cache.size,
    capacity: options.capacity,
    evictions
  })
  return { client: wrapped, stats }
}
