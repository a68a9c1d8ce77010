import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as TestClock from "effect/TestClock"
import * as Database from "../src/Database.js"
import * as Pool from "../src/Pool.js"
import { pooled } from "./support/helpers.js"

const tempUrl = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "pool-embedded-"))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
).pipe(Effect.map((dir) => `file:${join(dir, "db", "test.db")}`))

const pragmas = (run: (s: Database.Statement) => Effect.Effect<Database.ResultSet, unknown>) =>
  Effect.all([
    run({ sql: "PRAGMA journal_mode", args: [] }),
    run({ sql: "PRAGMA foreign_keys", args: [] }),
    run({ sql: "PRAGMA busy_timeout", args: [] })
  ]).pipe(Effect.map((rs) => rs.map((r) => Object.values(r.rows[0]!)[0])))

const select = { sql: "SELECT 1", args: [] }

describe("embedded pool", () => {
  it.scoped("WAL, foreign keys and busy timeout hold on every connection the client opens", () =>
    Effect.gen(function* () {
      const { db } = yield* pooled(yield* tempUrl, { max_connections: 4 }, { busyTimeoutMs: 1234 })
      const expected = ["wal", 1, 1234]
      expect(yield* pragmas(db.execute)).toEqual(expected)
      // concurrent calls and open transactions make the client open more connections
      const concurrent = yield* Effect.all(
        Array.from({ length: 4 }, () => pragmas(db.execute)),
        { concurrency: 4 }
      )
      expect(concurrent).toEqual([expected, expected, expected, expected])
      const inside = yield* db.transaction("write", (tx) =>
        Effect.zip(pragmas(tx.execute), pragmas(db.execute), { concurrent: false })
      )
      expect(inside).toEqual([expected, expected])
      const read = yield* db.transaction("read", (tx) => pragmas(tx.execute))
      expect(read).toEqual(expected)
    })
  )

  it.scoped("max_connections bounds operations and transactions in flight with the same statistics", () =>
    Effect.gen(function* () {
      const { db, pool } = yield* pooled(yield* tempUrl, { max_connections: 2, connection_timeout_secs: 0.2 })
      yield* db.execute({ sql: "CREATE TABLE t (id INTEGER PRIMARY KEY)", args: [] })
      const hold = yield* Deferred.make<void>()
      const holders = yield* Effect.forEach(["read", "read"] as const, (mode) =>
        Effect.fork(db.transaction(mode, (tx) => Effect.zipRight(tx.execute({ sql: "SELECT 1", args: [] }), hold)))
      )
      while ((yield* pool.stats).active < 2) yield* Effect.yieldNow()
      expect(yield* pool.stats).toMatchObject({ max: 2, active: 2, idle: 0, utilization: 1 })
      const third = yield* Effect.fork(Effect.flip(db.execute({ sql: "SELECT 1", args: [] })))
      while ((yield* pool.stats).waiting < 1) yield* Effect.yieldNow()
      yield* TestClock.adjust("199 millis")
      expect((yield* pool.stats).waiting).toBe(1)
      yield* TestClock.adjust("1 millis")
      const failed = yield* Fiber.join(third)
      expect(failed).toMatchObject({ _tag: "DatabaseUnavailable", code: "POOL_TIMEOUT" })
      yield* Deferred.succeed(hold, undefined)
      yield* Fiber.joinAll(holders)
      expect(yield* pool.stats).toMatchObject({
        active: 0,
        idle: 2,
        utilization: 0,
        timeouts: 1,
        total_acquired: 3,
        connections_created: 0,
        requests: 0
      })
      expect((yield* db.stats).pool).toMatchObject({ max: 2, timeouts: 1 })
    })
  )

  it.scoped("with a permit free, execute and batch answer on the calling stack, each counted as one acquire", () =>
    Effect.gen(function* () {
      const { db, pool } = yield* pooled(yield* tempUrl, { max_connections: 1 })
      yield* db.execute({ sql: "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)", args: [] })
      const before = (yield* pool.stats).total_acquired
      // runSync throws on an effect that waits for anything: these never do
      const written = Effect.runSync(
        db.batch([
          { sql: "INSERT INTO t (id, v) VALUES (1, 'a')", args: [] },
          { sql: "INSERT INTO t (id, v) VALUES (2, 'b')", args: [] }
        ])
      )
      expect(written.map((r) => r.rowsAffected)).toEqual([1, 1])
      const read = Effect.runSync(db.execute({ sql: "SELECT v FROM t ORDER BY id", args: [] }))
      expect(read.rows.map((r) => r["v"])).toEqual(["a", "b"])
      const failed = Effect.runSync(Effect.flip(db.execute({ sql: "INSERT INTO t (id) VALUES (1)", args: [] })))
      expect(failed).toMatchObject({ _tag: "DatabaseError", code: "SQLITE_CONSTRAINT" })
      expect(yield* pool.stats).toMatchObject({ total_acquired: before + 3, active: 0 })
      expect(yield* db.stats).toMatchObject({ errors: 1 })
      // with the one permit held by a transaction, a call waits for it (FIFO) instead
      const hold = yield* Deferred.make<void>()
      const holder = yield* Effect.fork(db.transaction("read", (tx) => Effect.zipRight(tx.execute(select), hold)))
      while ((yield* pool.stats).active < 1) yield* Effect.yieldNow()
      const waiting = yield* Effect.fork(db.execute(select))
      while ((yield* pool.stats).waiting < 1) yield* Effect.yieldNow()
      yield* Deferred.succeed(hold, undefined)
      yield* Fiber.join(holder)
      expect((yield* Fiber.join(waiting)).rows.length).toBe(1)
      expect(yield* pool.stats).toMatchObject({ total_acquired: before + 5, active: 0, waiting: 0 })
    })
  )

  it.scoped("Pool.layerTest: a pooled temporary database", () =>
    Effect.gen(function* () {
      const db = yield* Database.Database
      expect(db.kind).toBe("embedded")
      yield* db.batch([
        { sql: "CREATE TABLE t (id INTEGER PRIMARY KEY)", args: [] },
        { sql: "INSERT INTO t VALUES (1)", args: [] }
      ])
      const rows = yield* db.execute({ sql: "SELECT count(*) AS n FROM t", args: [] })
      expect(rows.rows[0]?.["n"]).toBe(1)
      expect((yield* db.stats).pool).toMatchObject({ max: 20, total_acquired: 2 })
    }).pipe(Effect.provide(Pool.layerTest))
  )
})
