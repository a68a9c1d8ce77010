import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as TestClock from "effect/TestClock"
import Libsql from "libsql"
import * as Database from "../src/Database.js"
import type { DatabaseFailure, DatabaseUnavailable } from "../src/DatabaseError.js"
import { eventually, pooled, select1, server, sleep } from "./support/helpers.js"

/** The failure of an effect that must fail, as `DatabaseUnavailable` with a deadline. */
const deadlineOf = (error: DatabaseFailure) => {
  expect(error._tag).toBe("DatabaseUnavailable")
  const unavailable = error as DatabaseUnavailable
  expect(unavailable.code).toBe("DEADLINE_EXCEEDED")
  expect(unavailable.deadline?._tag).toBe("DatabaseTimeout")
  return unavailable
}

/**
 * The failure of `effect`, run on a fiber while the TestClock moves on by `step` ms (at most 20 times, real I/O
 * running in between): the deadline passes only when the test says so, never because the machine is slow.
 */
const failureAfter = <A>(effect: Effect.Effect<A, DatabaseFailure>, step: number) =>
  Effect.gen(function* () {
    const fiber = yield* Effect.fork(Effect.flip(effect))
    for (let i = 0; i < 20 && (yield* Fiber.poll(fiber))._tag === "None"; i++) {
      yield* sleep(20)
      yield* TestClock.adjust(step)
    }
    return yield* Fiber.join(fiber)
  })

describe("remote: every call has a deadline (requestTimeoutMs; the TestClock moves it)", () => {
  it.scoped("a call the server never answers fails typed; its connection is discarded, the next call succeeds", () =>
    Effect.gen(function* () {
      const srv = yield* server()
      const { db, pool } = yield* pooled(srv.url, { max_connections: 2 }, { requestTimeoutMs: 200 })
      yield* db.execute(select1)
      yield* Effect.promise(() => srv.fault({ kind: "stall", count: 1 }))
      const failed = deadlineOf(yield* failureAfter(db.execute({ sql: "SELECT 2", args: [] }), 200))
      expect(failed.deadline).toMatchObject({ operation: "execute", timeout_ms: 200 })
      expect(failed.message).toContain("within 200 ms")
      // the abandoned request's socket is destroyed, so nothing else ever queues behind it
      expect(yield* pool.stats).toMatchObject({ active: 0, waiting: 0, connections_replaced: 1 })
      yield* eventually(() => srv.stats().sockets_open === 0)
      const after = yield* db.execute({ sql: "SELECT 3 AS n", args: [] })
      expect(after.rows[0]?.["n"]).toBe(3)
      expect(yield* pool.stats).toMatchObject({ connections_created: 2, active: 0 })
      expect(yield* db.stats).toMatchObject({ executes: 3, errors: 1, deadline_exceeded: 1 })
      yield* Effect.promise(() => srv.fault({ kind: "resume" }))
    })
  )

  it.scoped("a batch past its deadline fails the same way", () =>
    Effect.gen(function* () {
      const srv = yield* server()
      const { db } = yield* pooled(srv.url, {}, { requestTimeoutMs: 200 })
      yield* Effect.promise(() => srv.fault({ kind: "stall", count: 1 }))
      const failed = deadlineOf(yield* failureAfter(db.batch([select1, select1]), 200))
      expect(failed.operation).toBe("batch")
      yield* Effect.promise(() => srv.fault({ kind: "resume" }))
      expect((yield* db.batch([select1])).length).toBe(1)
    })
  )

  it.scoped("a transaction statement past its deadline fails; the rollback is bounded too and the slot is freed", () =>
    Effect.gen(function* () {
      const srv = yield* server()
      const { db, pool } = yield* pooled(srv.url, { max_connections: 1 }, { requestTimeoutMs: 200 })
      yield* db.execute({ sql: "CREATE TABLE t (x INTEGER)", args: [] })
      // every request from here on hangs: the statement, then the ROLLBACK queued behind it on the same stream
      yield* Effect.promise(() => srv.fault({ kind: "stall", count: 100 }))
      const failed = yield* failureAfter(
        db.transaction("write", (tx) => tx.execute({ sql: "INSERT INTO t VALUES (1)", args: [] })),
        200
      )
      expect(deadlineOf(failed).operation).toBe("transaction.execute")
      expect(yield* pool.stats).toMatchObject({ active: 0, waiting: 0, connections_replaced: 1 })
      yield* Effect.promise(() => srv.fault({ kind: "clear" }))
      yield* Effect.promise(() => srv.fault({ kind: "resume" }))
      const rows = yield* db.execute({ sql: "SELECT count(*) AS n FROM t", args: [] })
      expect(rows.rows[0]?.["n"]).toBe(0)
    })
  )

  it.scoped("the single-client Database.layer has the same deadline", () =>
    Effect.gen(function* () {
      const srv = yield* server()
      const db = yield* Database.make({ url: srv.url, requestTimeoutMs: 200 })
      yield* Effect.promise(() => srv.fault({ kind: "stall", count: 1 }))
      deadlineOf(yield* failureAfter(db.execute(select1), 200))
      expect((yield* db.stats).deadline_exceeded).toBe(1)
      yield* Effect.promise(() => srv.fault({ kind: "resume" }))
    })
  )

  it.scopedLive("on the live clock (a plain timer) too: a stalled call fails typed, its connection is discarded", () =>
    Effect.gen(function* () {
      const srv = yield* server()
      const { db, pool } = yield* pooled(srv.url, { max_connections: 2 }, { requestTimeoutMs: 200 })
      yield* db.execute(select1)
      yield* Effect.promise(() => srv.fault({ kind: "stall", count: 2 }))
      const read = deadlineOf(yield* Effect.flip(db.execute({ sql: "SELECT 2", args: [] })))
      expect(read.deadline).toMatchObject({ operation: "execute", timeout_ms: 200 })
      deadlineOf(yield* Effect.flip(db.batch([select1])))
      expect(yield* pool.stats).toMatchObject({ active: 0, waiting: 0, connections_replaced: 2 })
      const after = yield* db.execute({ sql: "SELECT 3 AS n", args: [] })
      expect(after.rows[0]?.["n"]).toBe(3)
      expect(yield* db.stats).toMatchObject({ errors: 2, deadline_exceeded: 2 })
      // a statement's own error is not a deadline
      const refused = yield* Effect.flip(db.execute({ sql: "SELEC 1", args: [] }))
      expect(refused._tag).toBe("DatabaseError")
      expect(yield* db.stats).toMatchObject({ errors: 3, deadline_exceeded: 2 })
      yield* Effect.promise(() => srv.fault({ kind: "resume" }))
    })
  )

  it.scopedLive("without requestTimeoutMs the deadline is 10 s (DEFAULT_REQUEST_TIMEOUT_MS)", () =>
    Effect.gen(function* () {
      const srv = yield* server()
      const { pool } = yield* pooled(srv.url)
      expect(pool.requestTimeoutMs).toBe(Database.DEFAULT_REQUEST_TIMEOUT_MS)
      expect(Database.DEFAULT_REQUEST_TIMEOUT_MS).toBe(10_000)
    })
  )

  it.scopedLive("an interrupted call (a client that went away) frees its slot and discards its connection", () =>
    Effect.gen(function* () {
      const srv = yield* server()
      const { db, pool } = yield* pooled(srv.url, { max_connections: 1 })
      yield* Effect.promise(() => srv.fault({ kind: "stall", count: 1 }))
      const holder = yield* Effect.fork(db.execute(select1))
      yield* eventually(() => srv.stats().faults_injected.stall === 1)
      const waiter = yield* Effect.fork(db.execute(select1))
      yield* eventually(() => Effect.runSync(pool.stats).waiting === 1)
      expect(Exit.isInterrupted(yield* Fiber.interrupt(waiter))).toBe(true)
      expect(Exit.isInterrupted(yield* Fiber.interrupt(holder))).toBe(true)
      expect(yield* pool.stats).toMatchObject({ active: 0, waiting: 0, connections_replaced: 1, timeouts: 0 })
      yield* db.execute(select1)
      yield* Effect.promise(() => srv.fault({ kind: "resume" }))
    })
  )
})

describe("remote: an interrupted transaction", () => {
  it.scopedLive("is rolled back (and awaited) before its connection goes back to the pool", () =>
    Effect.gen(function* () {
      const srv = yield* server()
      const { db, pool } = yield* pooled(srv.url, { max_connections: 1 })
      yield* db.execute({ sql: "CREATE TABLE t (x INTEGER)", args: [] })
      const inserted = yield* Deferred.make<void>()
      const fiber = yield* Effect.fork(
        db.transaction("write", (tx) =>
          tx
            .execute({ sql: "INSERT INTO t VALUES (1)", args: [] })
            .pipe(Effect.zipRight(Deferred.succeed(inserted, undefined)), Effect.zipRight(Effect.never))
        )
      )
      yield* Deferred.await(inserted)
      const before = srv.stats().statements_executed
      expect(Exit.isInterrupted(yield* Fiber.interrupt(fiber))).toBe(true)
      // the ROLLBACK went out and was answered: one statement, and the connection was kept
      expect(srv.stats().statements_executed - before).toBe(1)
      expect(yield* pool.stats).toMatchObject({ active: 0, connections_replaced: 0 })
      const rows = yield* db.execute({ sql: "SELECT count(*) AS n FROM t", args: [] })
      expect(rows.rows[0]?.["n"]).toBe(0)
    })
  )
})

const tempUrl = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "pool-deadline-"))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
).pipe(Effect.map((dir) => join(dir, "test.db")))

describe("embedded: the deadline bounds the lock wait", () => {
  it.scopedLive("the busy timeout is never longer than requestTimeoutMs", () =>
    Effect.gen(function* () {
      const path = yield* tempUrl
      const { db } = yield* pooled(`file:${path}`, {}, { busyTimeoutMs: 5000, requestTimeoutMs: 300 })
      const busy = yield* db.execute({ sql: "PRAGMA busy_timeout", args: [] })
      expect(Object.values(busy.rows[0]!)[0]).toBe(300)
      const longer = yield* pooled(`file:${path}`, {}, { busyTimeoutMs: 250, requestTimeoutMs: 10_000 })
      const kept = yield* longer.db.execute({ sql: "PRAGMA busy_timeout", args: [] })
      expect(Object.values(kept.rows[0]!)[0]).toBe(250)
    })
  )

  it.scopedLive(
    "a write waiting on another connection's lock fails unavailable (SQLITE_BUSY) once the deadline passes",
    () =>
      Effect.gen(function* () {
        const path = yield* tempUrl
        const { db, pool } = yield* pooled(`file:${path}`, {}, { requestTimeoutMs: 100 })
        yield* db.execute({ sql: "CREATE TABLE t (x INTEGER)", args: [] })
        const other = yield* Effect.acquireRelease(
          Effect.sync(() => new Libsql(path)),
          (connection) => Effect.sync(() => connection.close())
        )
        other.exec("BEGIN IMMEDIATE")
        const failed = yield* Effect.flip(db.execute({ sql: "INSERT INTO t VALUES (1)", args: [] }))
        expect(failed).toMatchObject({ _tag: "DatabaseUnavailable", code: "SQLITE_BUSY" })
        other.exec("ROLLBACK")
        yield* db.execute({ sql: "INSERT INTO t VALUES (2)", args: [] })
        expect(yield* pool.stats).toMatchObject({ active: 0, waiting: 0 })
      })
  )
})
