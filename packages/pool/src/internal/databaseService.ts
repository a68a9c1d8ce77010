import type { Client, InValue } from "@libsql/client"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Redacted from "effect/Redacted"
import type { SyncClient, SyncRunner } from "../ConnectionPool.js"
import { Database, type Statement, type Transaction, type TransactionMode } from "../Database.js"
import type * as DatabaseConfig from "../DatabaseConfig.js"
import { type DatabaseFailure, DatabaseTimeout, DatabaseUnavailable } from "../DatabaseError.js"
import { observeOperation } from "../OperationMetrics.js"
import type { PoolStats } from "../PoolStats.js"
import { toFailure } from "./client.js"

const toArgs = (statement: Statement) => ({ sql: statement.sql, args: statement.args as Array<InValue> })

/** The clock of Effect's default services: real time. */
const liveClock = Effect.runSync(Effect.clock)

/**
 * `run`'s promise with a deadline of `ms` on a plain timer: its value, its rejection as `failed`, or `late` once the
 * deadline passes first (the promise then abandoned). Interrupting stops the timer. The same outcomes as
 * `tryPromise` + `timeoutFail`, without the race's two fibers (about a quarter of a millisecond per remote call on
 * the benchmark machine).
 */
const withTimer = <A, E>(
  run: () => Promise<A>,
  ms: number,
  failed: (error: unknown) => E,
  late: () => E
): Effect.Effect<A, E> =>
  Effect.async<A, E>((resume) => {
    let settled = false
    const timer = setTimeout(() => {
      if (settled) return
      settled = true
      resume(Effect.fail(late()))
    }, ms)
    const settle = (outcome: Effect.Effect<A, E>) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      resume(outcome)
    }
    let promise: Promise<A>
    try {
      promise = run()
    } catch (error) {
      settle(Effect.fail(failed(error)))
      return
    }
    promise.then(
      (value) => settle(Effect.succeed(value)),
      (error) => settle(Effect.suspend(() => Effect.fail(failed(error))))
    )
    return Effect.sync(() => {
      settled = true
      clearTimeout(timer)
    })
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
  /** Synchronous `execute` and `batch` when the pool can make them now (see `SyncRunner`). */
  readonly sync?: SyncRunner | undefined
}

/** How the service is built: the database kind, the token to redact, the deadline of each call. */
export interface ServiceOptions {
  readonly kind: DatabaseConfig.DatabaseKind
  readonly token?: Redacted.Redacted<string> | undefined
  /** Each client call (one round trip remote) fails after this long; see `Database.ClientOptions`. */
  readonly requestTimeoutMs: number
}

/** Builds the service over a way to reach a client. */
export const fromAccess = (access: ClientAccess, options: ServiceOptions) => {
  let executes = 0
  let batches = 0
  let transactions = 0
  let statements = 0
  let errors = 0
  let deadlineExceeded = 0
  const timeoutMs = options.requestTimeoutMs
  const failed = (operation: string, error: unknown) => {
    errors++
    return toFailure(operation, error, options.token)
  }
  const pastDeadline = (operation: string) => {
    errors++
    deadlineExceeded++
    const deadline = new DatabaseTimeout({ operation, timeout_ms: timeoutMs })
    return new DatabaseUnavailable({ operation, message: deadline.message, code: "DEADLINE_EXCEEDED", deadline })
  }
  // Past the deadline the call is interrupted: its promise is abandoned, and a pooled remote connection with a
  // request still in flight is discarded when its lease ends (its socket destroyed), never reused. On the live
  // clock the deadline is one timer beside the promise (`withTimer`); on any other clock (a TestClock) it is
  // Effect's own timeout, which that clock drives.
  const attempt = <A>(operation: string, run: () => Promise<A>) =>
    Effect.clockWith((clock) => {
      const timed = () => {
        const start = performance.now()
        return run().finally(() => observeOperation(operation, performance.now() - start))
      }
      return clock === liveClock
        ? withTimer(
            timed,
            timeoutMs,
            (error) => failed(operation, error),
            () => pastDeadline(operation)
          )
        : Effect.tryPromise({ try: timed, catch: (error) => failed(operation, error) }).pipe(
            Effect.timeoutFail({ duration: timeoutMs, onTimeout: () => pastDeadline(operation) })
          )
    })
  const using = access.withClient
  const sync = access.sync

  /**
   * A call made on the calling stack when the pool allows it now (an embedded call has no I/O to wait for, and a
   * deadline could not stop it anyway: its lock waits are bounded by the busy timeout), else `otherwise`.
   */
  const synchronously = <A>(
    operation: string,
    use: (client: SyncClient) => A,
    otherwise: () => Effect.Effect<A, DatabaseFailure>
  ): Effect.Effect<A, DatabaseFailure> => {
    if (sync === undefined) return otherwise()
    let ran: { readonly value: A } | undefined
    const start = performance.now()
    try {
      ran = sync.tryRun(use)
    } catch (error) {
      errors++
      observeOperation(operation, performance.now() - start)
      return Effect.fail(toFailure(operation, error, options.token))
    }
    if (ran !== undefined) observeOperation(operation, performance.now() - start)
    return ran === undefined ? otherwise() : Effect.succeed(ran.value)
  }

  // `execute` and `batch` are untraced: they run once per statement or batch, under the span of the storage operation
  // that calls them, and a span each (with its call-site capture) costs several times an embedded point read.
  const execute = Effect.fnUntraced(function* (statement: Statement) {
    executes++
    statements++
    return yield* synchronously(
      "execute",
      (client) => client.execute(toArgs(statement)),
      () => using("execute", (client) => attempt("execute", () => client.execute(toArgs(statement))))
    )
  })

  const batch = Effect.fnUntraced(function* (list: ReadonlyArray<Statement>, mode: TransactionMode = "write") {
    batches++
    statements += list.length
    return yield* synchronously(
      "batch",
      (client) => client.batch(list.map(toArgs), mode),
      () => using("batch", (client) => attempt("batch", () => client.batch(list.map(toArgs), mode)))
    )
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
        // request of it is still in flight when its connection goes back to the pool. The rollback has the same
        // deadline (the release runs uninterruptibly: only the wait for the rollback is made interruptible); one
        // abandoned leaves its request in flight, and the pool discards that connection.
        (tx, exit) =>
          Exit.isSuccess(exit)
            ? Effect.sync(() => tx.close())
            : Effect.interruptible(Effect.promise(() => tx.rollback().catch(() => undefined))).pipe(
                Effect.timeout(timeoutMs),
                Effect.ignore,
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
      const base = { executes, batches, transactions, statements, errors, deadline_exceeded: deadlineExceeded }
      return pool === undefined ? base : { ...base, pool: yield* pool }
    })
  })
}

/** Builds the service over an open client. */
export const fromClient = (client: Client, options: ServiceOptions) =>
  fromAccess({ withClient: (_, use) => use(client) }, options)
