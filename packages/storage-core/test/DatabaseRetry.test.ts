import { describe, expect, it } from "@effect/vitest"
import { Database, DatabaseError, DatabaseTimeout, DatabaseUnavailable, Pool, PoolTimeout } from "@memory-turso/pool"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as TestClock from "effect/TestClock"
import * as DatabaseRetry from "../src/DatabaseRetry.js"
import { Replay, type Statement } from "../src/Replay.js"

/** A database whose next `failures` calls fail with `error`; counts every call. */
const flaky = (failures: number, error: DatabaseError | DatabaseUnavailable) => {
  const state = { calls: 0, left: failures }
  const result = {
    columns: [],
    columnTypes: [],
    rows: [],
    rowsAffected: 0,
    lastInsertRowid: undefined,
    toJSON: () => ({})
  }
  const call = Effect.suspend(() => {
    state.calls++
    return state.left-- > 0 ? Effect.fail(error) : Effect.succeed(result)
  })
  const layer = Layer.succeed(
    Database.Database,
    Database.Database.of({
      kind: "remote",
      execute: () => call,
      batch: () => Effect.map(call, (r) => [r]),
      transaction: () => Effect.die("not used"),
      stats: Effect.succeed({
        executes: 0,
        batches: 0,
        transactions: 0,
        statements: 0,
        errors: 0,
        deadline_exceeded: 0
      })
    })
  )
  return { state, layer }
}

const policy = { max_retries: 3, retry_base_delay_ms: 100, retry_max_delay_ms: 250 }
const unavailable = new DatabaseUnavailable({ operation: "execute", message: "down" })
const statement = { sql: "SELECT 1", args: [] }

describe("DatabaseRetry", () => {
  it.effect("retries unavailable calls with backoff and succeeds when the database comes back", () => {
    const { layer, state } = flaky(2, unavailable)
    return Effect.gen(function* () {
      const db = yield* Database.Database
      const fiber = yield* Effect.fork(db.execute(statement))
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(fiber)
      expect(state.calls).toBe(3)
      expect((yield* DatabaseRetry.DatabaseRetry).stats()).toEqual({ retries: 2, recovered: 1, gave_up: 0 })
    }).pipe(Effect.provide(DatabaseRetry.layer(policy).pipe(Layer.provide(layer))))
  })

  it.effect("gives up after max_retries and fails with the database's error", () => {
    const { layer, state } = flaky(10, unavailable)
    return Effect.gen(function* () {
      const db = yield* Database.Database
      const fiber = yield* Effect.fork(Effect.flip(db.batch([statement])))
      yield* TestClock.adjust("10 seconds")
      expect((yield* Fiber.join(fiber))._tag).toBe("DatabaseUnavailable")
      expect(state.calls).toBe(4)
      // four calls are three retries
      expect((yield* DatabaseRetry.DatabaseRetry).stats()).toEqual({ retries: 3, recovered: 0, gave_up: 1 })
    }).pipe(Effect.provide(DatabaseRetry.layer(policy).pipe(Layer.provide(layer))))
  })

  it.effect("waits no longer than retry_max_delay_ms between tries", () => {
    const { layer, state } = flaky(4, unavailable)
    const capped = { max_retries: 4, retry_base_delay_ms: 100, retry_max_delay_ms: 120 }
    return Effect.gen(function* () {
      const db = yield* Database.Database
      const fiber = yield* Effect.fork(db.execute(statement))
      // Capped, four retries take at most 4 x 120 ms; uncapped they would take at least 0.8 x 1500 ms.
      yield* TestClock.adjust("480 millis")
      expect((yield* Fiber.poll(fiber))._tag).toBe("Some")
      expect(state.calls).toBe(5)
    }).pipe(Effect.provide(DatabaseRetry.layer(capped).pipe(Layer.provide(layer))))
  })

  it.effect("only what is safe to replay is retried: reads, and writes marked with a Replay, which counts", () => {
    const write = { sql: "INSERT INTO t VALUES (1)", args: [] }
    const calls = (statements: ReadonlyArray<Statement>, mode?: "read" | "write") => {
      const { layer, state } = flaky(1, unavailable)
      return Effect.gen(function* () {
        const db = yield* Database.Database
        const fiber = yield* Effect.fork(
          Effect.either(
            statements.length === 1 && mode === undefined
              ? Effect.asVoid(db.execute(statements[0]!))
              : Effect.asVoid(db.batch(statements, mode))
          )
        )
        yield* TestClock.adjust("1 second")
        const outcome = yield* Fiber.join(fiber)
        return { calls: state.calls, ok: outcome._tag === "Right" }
      }).pipe(Effect.provide(DatabaseRetry.layer(policy).pipe(Layer.provide(layer))))
    }
    return Effect.gen(function* () {
      // A write whose reply may have been lost after it committed is sent once.
      expect(yield* calls([write])).toEqual({ calls: 1, ok: false })
      expect(yield* calls([statement, write], "write")).toEqual({ calls: 1, ok: false })
      // Reads are replayed: a SELECT, a read batch.
      expect(yield* calls([statement])).toEqual({ calls: 2, ok: true })
      expect(yield* calls([write], "read")).toEqual({ calls: 2, ok: true })
      // A marked write is replayed, and its mark counts the replays (shared by the batch's statements).
      const replay = new Replay()
      expect(
        yield* calls(
          [
            { ...write, replay },
            { ...statement, replay }
          ],
          "write"
        )
      ).toEqual({ calls: 2, ok: true })
      expect(replay.replays).toBe(1)
    })
  })

  it.effect("statement errors are not retried; max_retries 0 turns retrying off", () => {
    const constraint = flaky(1, new DatabaseError({ operation: "execute", message: "constraint" }))
    const noRetries = flaky(1, unavailable)
    return Effect.gen(function* () {
      const first = yield* Effect.flip(
        Effect.flatMap(Database.Database, (db) => db.execute(statement)).pipe(
          Effect.provide(DatabaseRetry.layer(policy).pipe(Layer.provide(constraint.layer)))
        )
      )
      expect(first._tag).toBe("DatabaseError")
      expect(constraint.state.calls).toBe(1)
      const second = yield* Effect.flip(
        Effect.flatMap(Database.Database, (db) => db.execute(statement)).pipe(
          Effect.provide(DatabaseRetry.layer({ ...policy, max_retries: 0 }).pipe(Layer.provide(noRetries.layer)))
        )
      )
      expect(second._tag).toBe("DatabaseUnavailable")
      expect(noRetries.state.calls).toBe(1)
    })
  })

  it.effect("a pool timeout and a call past its deadline are not retried: they fail at once", () => {
    const poolTimeout = new DatabaseUnavailable({
      operation: "execute",
      message: "full",
      code: "POOL_TIMEOUT",
      timeout: new PoolTimeout({ waited_ms: 10_000, max_connections: 1, waiting: 0 })
    })
    const deadline = new DatabaseUnavailable({
      operation: "execute",
      message: "slow",
      code: "DEADLINE_EXCEEDED",
      deadline: new DatabaseTimeout({ operation: "execute", timeout_ms: 10_000 })
    })
    return Effect.forEach([poolTimeout, deadline], (error) => {
      const { layer, state } = flaky(10, error)
      return Effect.gen(function* () {
        const db = yield* Database.Database
        const fiber = yield* Effect.fork(Effect.flip(db.execute(statement)))
        // no backoff to wait for: the fiber is done without the clock moving
        yield* Effect.yieldNow()
        const done = yield* Fiber.poll(fiber)
        expect(done._tag).toBe("Some")
        expect(yield* Fiber.join(fiber)).toBe(error)
        expect(state.calls).toBe(1)
        expect(DatabaseRetry.isRetriable(error)).toBe(false)
        expect((yield* DatabaseRetry.DatabaseRetry).stats()).toEqual({ retries: 0, recovered: 0, gave_up: 0 })
      }).pipe(Effect.provide(DatabaseRetry.layer(policy).pipe(Layer.provide(layer))))
    })
  })

  it.scoped("a saturated pool answers POOL_TIMEOUT after connection_timeout_secs once, not after every retry", () =>
    Effect.gen(function* () {
      const context = yield* Layer.build(
        DatabaseRetry.layer(policy).pipe(
          Layer.provideMerge(
            Layer.unwrapScoped(
              Effect.map(Pool.temporaryUrl, (url) =>
                Pool.layer({ url, connection_pool: { max_connections: 1, connection_timeout_secs: 1 } })
              )
            )
          )
        )
      )
      const db = yield* Effect.provide(Database.Database, context)
      const retry = yield* Effect.provide(DatabaseRetry.DatabaseRetry, context)
      // a transaction holds the only connection until released
      const release = yield* Deferred.make<void>()
      const holder = yield* Effect.fork(db.transaction("read", () => Deferred.await(release)))
      yield* Effect.yieldNow()
      const waiting = yield* Effect.fork(Effect.flip(db.execute(statement)))
      yield* Effect.yieldNow()
      yield* TestClock.adjust("1 second")
      const failed = yield* Fiber.join(waiting)
      expect(failed).toMatchObject({ _tag: "DatabaseUnavailable", code: "POOL_TIMEOUT" })
      expect(retry.stats()).toEqual({ retries: 0, recovered: 0, gave_up: 0 })
      yield* Deferred.succeed(release, undefined)
      yield* Fiber.join(holder)
    })
  )
})
