import { type Client, createClient, type InValue, LibsqlError, type ResultSet } from "@libsql/client"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as DatabaseConfig from "./DatabaseConfig.js"
import { DatabaseError, type DatabaseFailure, DatabaseUnavailable } from "./DatabaseError.js"
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
  /** Client calls that failed. */
  readonly errors: number
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

const isUnavailable = (error: unknown): boolean =>
  !(error instanceof LibsqlError) ||
  error.code === undefined ||
  !error.code.startsWith("SQLITE_") ||
  error.code.startsWith("SQLITE_BUSY") ||
  error.code === "SQLITE_CANTOPEN"

/** Turns a client error into a typed failure whose message never contains the auth token. */
export const toFailure = (operation: string, error: unknown, token?: Redacted.Redacted<string>): DatabaseFailure => {
  const raw = error instanceof Error ? error.message : String(error)
  const secret = token === undefined ? undefined : Redacted.value(token)
  const message = DatabaseConfig.redactUrl(secret ? raw.split(secret).join("[REDACTED]") : raw)
  const code = error instanceof LibsqlError ? (error.extendedCode ?? error.code) : undefined
  return isUnavailable(error)
    ? new DatabaseUnavailable({ operation, message, code })
    : new DatabaseError({ operation, message, code })
}

const toArgs = (statement: Statement) => ({ sql: statement.sql, args: statement.args as Array<InValue> })

/** Options for a database served by one `@libsql/client` client. */
export interface ClientOptions extends DatabaseConfig.DatabaseConfig {
  /** Busy timeout for embedded connections, in milliseconds (default 5000). */
  readonly busyTimeoutMs?: number
}

/** Opens a client: for embedded files, creates the directory and turns on WAL. */
export const openClient = (options: ClientOptions) =>
  Effect.gen(function* () {
    const config = yield* DatabaseConfig.validate(options)
    yield* DatabaseConfig.ensureDirectory(config.url)
    const client = yield* Effect.try({
      try: () =>
        createClient({
          url: config.url,
          ...(config.authToken ? { authToken: Redacted.value(config.authToken) } : {}),
          timeout: options.busyTimeoutMs ?? 5000
        }),
      catch: (error) => toFailure("open", error, config.authToken)
    })
    if (DatabaseConfig.kindOf(config.url) === "embedded") {
      yield* Effect.tryPromise({
        try: () => client.execute("PRAGMA journal_mode = WAL"),
        catch: (error) => toFailure("open", error, config.authToken)
      })
    }
    return client
  })

/**
 * How the service reaches a client: `withClient` runs `use` with a client held for its whole duration (one client,
 * or a connection checked out of a pool, whose own failures it reports as `DatabaseFailure`).
 */
export interface ClientAccess {
  readonly withClient: <A, E, R>(
    operation: string,
    use: (client: Client) => Effect.Effect<A, E, R>
  ) => Effect.Effect<A, E | DatabaseFailure, R>
  /** Statistics of the pool behind, published as `stats.pool`. */
  readonly pool?: Effect.Effect<PoolStats> | undefined
}

/** Builds the service over a way to reach a client. */
export const fromAccess = (
  access: ClientAccess,
  options: { kind: DatabaseConfig.DatabaseKind; token?: Redacted.Redacted<string> | undefined }
) => {
  let executes = 0
  let batches = 0
  let transactions = 0
  let statements = 0
  let errors = 0
  const attempt = <A>(operation: string, run: () => Promise<A>) =>
    Effect.tryPromise({
      try: run,
      catch: (error) => {
        errors++
        return toFailure(operation, error, options.token)
      }
    })
  const using = access.withClient

  const execute = Effect.fn("Database.execute")(function* (statement: Statement) {
    executes++
    statements++
    return yield* using("execute", (client) => attempt("execute", () => client.execute(toArgs(statement))))
  })

  const batch = Effect.fn("Database.batch")(function* (
    list: ReadonlyArray<Statement>,
    mode: TransactionMode = "write"
  ) {
    batches++
    statements += list.length
    return yield* using("batch", (client) => attempt("batch", () => client.batch(list.map(toArgs), mode)))
  })

  const transaction = <A, E2, R>(mode: TransactionMode, use: (transaction: Transaction) => Effect.Effect<A, E2, R>) =>
    using("transaction", (client) =>
      Effect.acquireUseRelease(
        attempt("transaction", () => client.transaction(mode)).pipe(Effect.tap(() => void transactions++)),
        (tx) =>
          use({
            execute: (statement) => {
              statements++
              return attempt("transaction.execute", () => tx.execute(toArgs(statement)))
            },
            batch: (list) => {
              statements += list.length
              return attempt("transaction.batch", () => tx.batch(list.map(toArgs)))
            }
          }).pipe(Effect.tap(() => attempt("transaction.commit", () => tx.commit()))),
        // A failed or interrupted transaction is rolled back and awaited (one request: ROLLBACK + close), so no
        // request of it is still in flight when its connection goes back to the pool.
        (tx, exit) =>
          Exit.isSuccess(exit)
            ? Effect.sync(() => tx.close())
            : Effect.promise(() => tx.rollback().catch(() => undefined)).pipe(
                Effect.ensuring(Effect.sync(() => tx.close()))
              )
      )
    ).pipe(Effect.withSpan("Database.transaction"))

  const pool = access.pool
  return Database.of({
    kind: options.kind,
    execute,
    batch,
    transaction,
    stats: Effect.gen(function* () {
      const base = { executes, batches, transactions, statements, errors }
      return pool === undefined ? base : { ...base, pool: yield* pool }
    })
  })
}

/** Builds the service over an open client. */
export const fromClient = (
  client: Client,
  options: { kind: DatabaseConfig.DatabaseKind; token?: Redacted.Redacted<string> | undefined }
) => fromAccess({ withClient: (_, use) => use(client) }, options)

/** The service over one client, opened now and closed with the layer. */
export const make = (options: ClientOptions) =>
  Effect.gen(function* () {
    const client = yield* Effect.acquireRelease(openClient(options), (client) => Effect.sync(() => client.close()))
    return fromClient(client, { kind: DatabaseConfig.kindOf(options.url), token: options.authToken })
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
