/**
 * The embedded libSQL database behind the server: one file (a private temporary file for "memory"), and a set of
 * connections to it. Every stream gets a connection of its own, so a transaction on one stream never leaks into
 * another; connections of closed streams are kept for reuse once they are back in autocommit state.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import Libsql from "libsql"
import { HranaError } from "./errors.js"
import { InvalidInputError } from "./input.js"

const STATEMENT_CACHE = 128
const IDLE_CONNECTIONS = 16

/** Temporary databases not destroyed yet; removed when the process exits, whatever the tests forgot. */
const temporaryDirs = new Set<string>()
let exitHook = false
const removeOnExit = (dir: string): void => {
  temporaryDirs.add(dir)
  if (exitHook) return
  exitHook = true
  process.once("exit", () => {
    for (const d of temporaryDirs) rmSync(d, { recursive: true, force: true })
  })
}

/** Where the data lives: `"memory"` (a private temporary file, removed by `destroy`) or a file path. */
export const resolveDatabasePath = (
  spec: string | undefined
): { readonly path: string; readonly temporary: boolean } => {
  if (spec === undefined || spec === "memory" || spec === ":memory:" || spec === "file::memory:") {
    const dir = mkdtempSync(join(tmpdir(), "memory-turso-testkit-"))
    removeOnExit(dir)
    return { path: join(dir, "db.sqlite"), temporary: true }
  }
  const withoutScheme = spec.startsWith("file:") ? spec.slice("file:".length) : spec
  const withoutQuery = withoutScheme.split("?")[0]!
  if (withoutQuery.length === 0) {
    throw new InvalidInputError({
      code: "INVALID_DATABASE",
      message: `Invalid database ${JSON.stringify(spec)}: expected "memory", file:PATH or a path`
    })
  }
  return { path: resolve(withoutQuery), temporary: false }
}

/** One SQLite connection with a cache of prepared statements. */
export class Connection {
  readonly #db: Libsql.Database
  readonly #statements = new Map<string, Libsql.Statement<Array<unknown>>>()
  #open = true
  #readonlyTx = false
  /** Set when a statement may have been left mid-flight (SQLITE_BUSY): the connection is not reused. */
  tainted = false

  constructor(path: string, durable: boolean) {
    this.#db = new Libsql(path, { timeout: 0 })
    // A "memory" database needs no durability: skip the fsyncs so commits cost what the network model says.
    if (!durable) this.#db.exec("PRAGMA synchronous = OFF")
  }

  get open(): boolean {
    return this.#open
  }

  /** True outside an explicit transaction. */
  get isAutocommit(): boolean {
    this.#assertOpen()
    return !this.#db.inTransaction
  }

  /** A prepared statement, from the cache when this SQL text was prepared before. */
  prepare(sql: string): Libsql.Statement<Array<unknown>> {
    this.#assertOpen()
    const cached = this.#statements.get(sql)
    if (cached !== undefined) {
      this.#statements.delete(sql)
      this.#statements.set(sql, cached)
      return cached
    }
    const statement = this.#db.prepare<Array<unknown>>(sql)
    if (this.#statements.size >= STATEMENT_CACHE) {
      const oldest = this.#statements.keys().next()
      if (!oldest.done) this.#statements.delete(oldest.value)
    }
    this.#statements.set(sql, statement)
    return statement
  }

  /** Makes writes fail with SQLITE_READONLY until the transaction started by `BEGIN READONLY` ends. */
  enterReadonly(): void {
    this.exec("PRAGMA query_only = 1")
    this.#readonlyTx = true
  }

  /** Lifts the read-only guard once its transaction has ended (commit, rollback or an error that ended it). */
  syncReadonly(): void {
    if (this.#readonlyTx && this.isAutocommit) {
      this.exec("PRAGMA query_only = 0")
      this.#readonlyTx = false
    }
  }

  /** Runs SQL without results (used for ROLLBACK on release and for the journal mode). */
  exec(sql: string): void {
    this.#assertOpen()
    this.#db.exec(sql)
  }

  close(): void {
    if (!this.#open) return
    this.#open = false
    this.#statements.clear()
    try {
      this.#db.close()
    } catch {
      // closing twice or with statements in flight is not an error worth reporting
    }
  }

  #assertOpen(): void {
    // Calling into a closed native handle is an error here, never a process abort.
    if (!this.#open) throw new HranaError("STREAM_CLOSED", "The database connection of this stream is closed")
  }
}

/** The database file and its connections. */
export class DatabaseHandle {
  readonly path: string
  readonly temporary: boolean
  readonly #idle: Array<Connection> = []
  readonly #live = new Set<Connection>()
  #open = false

  constructor(spec: string | undefined) {
    const resolved = resolveDatabasePath(spec)
    this.path = resolved.path
    this.temporary = resolved.temporary
  }

  /** Opens the database (creating the file) and switches it to WAL so readers never wait for a writer. */
  open(): void {
    if (this.#open) return
    const first = new Connection(this.path, !this.temporary)
    first.exec("PRAGMA journal_mode=WAL")
    this.#open = true
    this.#idle.push(first)
    this.#live.add(first)
  }

  /** A connection in autocommit state. */
  acquire(): Connection {
    if (!this.#open) throw new HranaError("SERVER_STOPPED", "The server is stopped")
    const reused = this.#idle.pop()
    if (reused !== undefined) return reused
    const connection = new Connection(this.path, !this.temporary)
    this.#live.add(connection)
    return connection
  }

  /** Gives a connection back: an open transaction is rolled back; a tainted connection is closed. */
  release(connection: Connection): void {
    if (!connection.open) {
      this.#live.delete(connection)
      return
    }
    let reusable = this.#open && !connection.tainted
    try {
      if (reusable && !connection.isAutocommit) connection.exec("ROLLBACK")
      if (reusable) connection.syncReadonly()
    } catch {
      reusable = false
    }
    if (reusable && this.#idle.length < IDLE_CONNECTIONS) {
      this.#idle.push(connection)
    } else {
      connection.close()
      this.#live.delete(connection)
    }
  }

  /** Closes every connection (open transactions are lost, as in a killed server). */
  close(): void {
    this.#open = false
    for (const connection of this.#live) connection.close()
    this.#live.clear()
    this.#idle.length = 0
  }

  /** Closes and, for a temporary database, deletes its files. */
  destroy(): void {
    this.close()
    if (!this.temporary) return
    const dir = dirname(this.path)
    rmSync(dir, { recursive: true, force: true })
    temporaryDirs.delete(dir)
  }
}
