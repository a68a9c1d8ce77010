import type { InValue, ResultSet } from "@libsql/client"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as DatabaseConfig from "./DatabaseConfig.js"
import type { DatabaseFailure } from "./DatabaseError.js"
import { DEFAULT_REQUEST_TIMEOUT_MS, openClient } from "./internal/client.js"
import { fromClient } from "./internal/databaseService.js"
import { temporaryUrl } from "./internal/temporary.js"
import type { PoolStats } from "./PoolStats.js"

export type { ResultSet, Row } from "@libsql/client"

/** One SQL statement with positional arguments. */
export interface Statement {
  readonly sql: string
  readonly args: ReadonlyArray<InValue>
}

/** `write` (BEGIN IMMEDIATE), `read` (read-only) or `deferred`. */
export type TransactionMode = "write" | "read" | "deferred"

/** An open interactive transaction. */
export interface Transaction {
  readonly execute: (statement: Statement) => Effect.Effect<ResultSet, DatabaseFailure>
  readonly batch: (statements: ReadonlyArray<Statement>) => Effect.Effect<ReadonlyArray<ResultSet>, DatabaseFailure>
}

/** What the service has done since it started. */
export interface DatabaseStats {
  readonly executes: number
  readonly batches: number
  readonly transactions: number
  readonly statements: number
  /** Client calls that failed (those past their deadline included). */
  readonly errors: number
  /** Client calls that did not finish within `requestTimeoutMs` (failed with `DEADLINE_EXCEEDED`). */
  readonly deadline_exceeded: number
  /** The pool's statistics, when a pool provides the service. */
  readonly pool?: PoolStats
}

/**
 * Access to one libSQL database: single statements, batches (one round trip, atomic) and interactive
 * transactions. `layer` here is one client; `Pool.layer` provides the pooled implementation.
 */
export class Database extends Context.Tag("@memory-turso/pool/Database")<
  Database,
  {
    readonly kind: DatabaseConfig.DatabaseKind
    readonly execute: (statement: Statement) => Effect.Effect<ResultSet, DatabaseFailure>
    readonly batch: (
      statements: ReadonlyArray<Statement>,
      mode?: TransactionMode
    ) => Effect.Effect<ReadonlyArray<ResultSet>, DatabaseFailure>
    readonly transaction: <A, E, R>(
      mode: TransactionMode,
      use: (transaction: Transaction) => Effect.Effect<A, E, R>
    ) => Effect.Effect<A, E | DatabaseFailure, R>
    readonly stats: Effect.Effect<DatabaseStats>
  }
>() {}

/** The deadline of one database call when none is configured (the API's `database.request_timeout_secs`). */
export { DEFAULT_REQUEST_TIMEOUT_MS } from "./internal/client.js"

/** Options for a database served by one `@libsql/client` client. */
export interface ClientOptions extends DatabaseConfig.DatabaseConfig {
  /**
   * Busy timeout for embedded connections, in milliseconds (default 5000; never more than `requestTimeoutMs`):
   * how long a statement waits for another connection's write lock before failing with `SQLITE_BUSY`.
   */
  readonly busyTimeoutMs?: number | undefined
  /**
   * The deadline of every call (`execute`, `batch`, each statement, commit and rollback of a transaction), in
   * milliseconds (default 10000). Past it the call fails with `DatabaseUnavailable` (`code: "DEADLINE_EXCEEDED"`,
   * the typed `DatabaseTimeout` in `deadline`). Remote, the request is abandoned; through the pool, its connection
   * is discarded (socket destroyed), never reused.
   * Embedded, the engine runs synchronously and cannot be stopped mid-statement: the deadline bounds the busy
   * timeout (lock waits) and anything a call awaits.
   */
  readonly requestTimeoutMs?: number | undefined
}

/** The service over one client, opened now and closed with the layer. */
export const make = (options: ClientOptions) =>
  Effect.gen(function* () {
    const client = yield* Effect.acquireRelease(openClient(options), (client) => Effect.sync(() => client.close()))
    return fromClient(client, {
      kind: DatabaseConfig.kindOf(options.url),
      token: options.authToken,
      requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS
    })
  })

/** A layer with one client for the given database. */
export const layer = (options: ClientOptions) => Layer.scoped(Database, make(options))

/** A layer configured from the environment (`TURSO_DB_URL`, `DATABASE_URL`, `TURSO_AUTH_TOKEN`). */
export const layerConfig = Layer.scoped(
  Database,
  Effect.flatMap(DatabaseConfig.fromEnv, (config) => make(config))
)

/** A layer over a fresh database file in a temporary directory, removed when the layer closes. */
export const layerTest = Layer.scoped(
  Database,
  Effect.gen(function* () {
    return yield* make({ url: yield* temporaryUrl })
  })
)
