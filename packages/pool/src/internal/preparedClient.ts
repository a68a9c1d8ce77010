import {
  type Client,
  type InStatement,
  type InValue,
  LibsqlError,
  type ResultSet,
  type Row,
  type Transaction
} from "@libsql/client"
import Sqlite, { type Statement as Prepared } from "libsql"
import type { PreparedStatementStats } from "../PreparedStatements.js"

const BEGIN = { write: "BEGIN IMMEDIATE", read: "BEGIN TRANSACTION READONLY", deferred: "BEGIN DEFERRED" } as const

/** One cached statement: prepared once, with what it returns known once. */
interface Cached {
  readonly statement: Prepared
  readonly reader: boolean
  /**
   * What a reader returns, read after its first run: SQLite prepares against the schema this connection knows, and
   * only a run notices a change made on another connection (it prepares the statement again).
   */
  columns: ReadonlyArray<string> | undefined
  columnTypes: ReadonlyArray<string>
}

/** SQL that may change the schema (after leading comments): it makes the column lists of cached readers stale. */
const SCHEMA_CHANGE = /^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*(?:CREATE|ALTER|DROP)\b/i

/** True when `sql` may change the schema. */
export const changesSchema = (sql: string): boolean => SCHEMA_CHANGE.test(sql)

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
 * `execute` and `batch` of the prepared-statement client, answered on the calling stack: the embedded engine is
 * synchronous, so nothing is gained by a promise. They throw what the client's would reject with (`LibsqlError`).
 */
export interface SyncClient {
  readonly execute: (statement: InStatement) => ResultSet
  readonly batch: (statements: ReadonlyArray<InStatement>, mode?: keyof typeof BEGIN) => Array<ResultSet>
}

/**
 * A `@libsql/client` client for an embedded database whose `execute` and `batch` run on one native connection with
 * an LRU cache of prepared statements (the client re-prepares every statement). Results match the client's
 * (named and indexed row fields, numbers, ArrayBuffer blobs, LibsqlError codes). Interactive transactions,
 * `executeMultiple` and `migrate` go to the wrapped client, which opens its own connections. `sync` runs the same
 * `execute` and `batch` without promises.
 */
export const withPreparedStatements = (
  client: Client,
  options: { readonly path: string; readonly capacity: number; readonly busyTimeoutMs: number }
): { readonly client: Client; readonly sync: SyncClient; readonly stats: () => PreparedStatementStats } => {
  const db = new Sqlite(options.path, { timeout: options.busyTimeoutMs })
  const cache = new Map<string, Cached>()
  let hits = 0
  let misses = 0
  let evictions = 0
  let prepareUs = 0
  let invalidations = 0

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
    const entry: Cached = { statement, reader, columns: undefined, columnTypes: [] }
    prepareUs += (performance.now() - start) * 1000
    cache.set(sql, entry)
    if (cache.size > options.capacity) {
      cache.delete(cache.keys().next().value as string)
      evictions++
    }
    return entry
  }

  /** Drops every cached statement (the schema changed, here or on one of the client's connections). */
  const invalidate = () => {
    cache.clear()
    invalidations++
  }

  /** Runs `f` on the client (its own connections), then drops the cache: it may have changed the schema. */
  const thenInvalidate = <A>(f: () => Promise<A>): Promise<A> => f().finally(invalidate)

  /** A transaction of the client whose commit drops the cache when one of its statements may change the schema. */
  const watched = (tx: Transaction): Transaction => {
    let schema = false
    const note = (statements: ReadonlyArray<InStatement>) => {
      for (const s of statements) if (changesSchema(typeof s === "string" ? s : s.sql)) schema = true
    }
    return {
      execute: (statement) => {
        note([statement])
        return tx.execute(statement)
      },
      batch: (statements) => {
        note(statements)
        return tx.batch(statements)
      },
      executeMultiple: (sql) => {
        schema = true
        return tx.executeMultiple(sql)
      },
      commit: () => (schema ? thenInvalidate(() => tx.commit()) : tx.commit()),
      rollback: () => tx.rollback(),
      close: () => tx.close(),
      get closed() {
        return tx.closed
      }
    }
  }

  const run = (input: InStatement): ResultSet => {
    const { args = [], sql } = typeof input === "string" ? { sql: input, args: [] } : input
    const bound = Array.isArray(args)
      ? args.map(bindable)
      : Object.fromEntries(Object.entries(args).map(([k, v]) => [k.replace(/^[@$:]/, ""), bindable(v)]))
    const entry = prepared(sql)
    const statement = entry.statement
    if (!entry.reader) {
      const info = statement.run(bound)
      // A cached `SELECT *` keeps the columns of its first run: after a schema change, prepare again.
      if (changesSchema(sql)) invalidate()
      return resultSet([], [], [], info.changes, BigInt(info.lastInsertRowid))
    }
    const raws = statement.all(bound) as Array<Array<unknown>>
    if (entry.columns === undefined) {
      const definitions = statement.columns()
      entry.columns = definitions.map((c) => c.name)
      entry.columnTypes = definitions.map((c) => c.type ?? "")
    }
    const { columnTypes, columns } = entry
    const rows = raws.map((raw) => {
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

  /** Runs `f`, throwing what the client would reject with. */
  const converted = <A>(f: () => A): A => {
    try {
      return f()
    } catch (error) {
      throw toLibsqlError(error)
    }
  }

  const sync: SyncClient = {
    execute: (statement) => converted(() => run(statement)),
    batch: (statements, mode = "deferred") =>
      converted(() => {
        db.exec(BEGIN[mode])
        try {
          const results = statements.map(run)
          db.exec("COMMIT")
          return results
        } catch (error) {
          if (db.inTransaction) db.exec("ROLLBACK")
          throw error
        }
      })
  }

  const attempt = <A>(f: () => A): Promise<A> => {
    try {
      return Promise.resolve(f())
    } catch (error) {
      return Promise.reject(error)
    }
  }

  const wrapped: Client = {
    execute: ((statement: InStatement | string, args?: Array<InValue>) =>
      attempt(() =>
        sync.execute(typeof statement === "string" ? { sql: statement, args: args ?? [] } : statement)
      )) as Client["execute"],
    batch: ((statements: Array<InStatement | [string, Array<InValue>?]>, mode: keyof typeof BEGIN = "deferred") =>
      attempt(() =>
        sync.batch(
          statements.map((s) => (Array.isArray(s) ? { sql: s[0], args: s[1] ?? [] } : s)),
          mode
        )
      )) as Client["batch"],
    migrate: (statements) => thenInvalidate(() => client.migrate(statements)),
    transaction: ((mode?: "write" | "read" | "deferred") =>
      client.transaction(mode).then(watched)) as Client["transaction"],
    executeMultiple: (sql) => thenInvalidate(() => client.executeMultiple(sql)),
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
    evictions,
    invalidations
  })
  return { client: wrapped, sync, stats }
}
