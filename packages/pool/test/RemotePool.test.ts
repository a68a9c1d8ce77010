import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import { eventually, pooled, select1, server } from "./helpers.js"

describe("remote pool: bounds and queue", () => {
  it.scopedLive("25 concurrent operations never put more than max_connections requests in flight", () =>
    Effect.gen(function* () {
      const srv = yield* server()
      const { db, pool } = yield* pooled(srv.url, { max_connections: 10 })
      yield* Effect.promise(() => srv.fault({ kind: "stall", count: 10 }))
      const fibers = yield* Effect.forEach(Array.from({ length: 25 }), () => Effect.fork(db.execute(select1)))
      yield* eventually(() => srv.stats().faults_injected.stall === 10)
      // all 10 connections are busy at the server; the other 15 callers queue in the pool, not on the wire
      yield* eventually(() => Effect.runSync(pool.stats).waiting === 15)
      expect(srv.stats().requests).toBe(10)
      expect(yield* pool.stats).toMatchObject({ active: 10, waiting: 15, utilization: 1, connections_created: 10 })
      yield* Effect.promise(() => srv.fault({ kind: "resume" }))
      yield* Fiber.joinAll(fibers)
      expect(srv.stats()).toMatchObject({ requests: 25, sockets_accepted: 10 })
      expect(yield* pool.stats).toMatchObject({
        max: 10,
        active: 0,
        idle: 10,
        waiting: 0,
        utilization: 0,
        total_acquired: 25,
        timeouts: 0,
        connections_created: 10,
        sockets_opened: 10,
        requests: 25
      })
      expect((yield* pool.stats).max_wait_ms).toBeGreaterThan(0)
    })
  )

  it.scopedLive("the 11th caller on a full pool of 10 fails with the typed timeout; utilization returns to 0", () =>
    Effect.gen(function* () {
      const srv = yield* server()
      const { db, pool } = yield* pooled(srv.url, { max_connections: 10, connection_timeout_secs: 0.3 })
      yield* Effect.promise(() => srv.fault({ kind: "stall", count: 10 }))
      const fibers = yield* Effect.forEach(Array.from({ length: 10 }), () => Effect.fork(db.execute(select1)))
      yield* eventually(() => srv.stats().faults_injected.stall === 10)
      const failed = yield* Effect.flip(db.execute(select1))
      expect(failed).toMatchObject({ _tag: "DatabaseUnavailable", operation: "execute", code: "POOL_TIMEOUT" })
      expect(failed._tag === "DatabaseUnavailable" && failed.timeout).toMatchObject({
        _tag: "PoolTimeout",
        max_connections: 10
      })
      expect(failed.message).toContain("all 10 connections are busy")
      // the same through the lower-level service: the PoolTimeout itself
      const timeout = yield* Effect.flip(Effect.scoped(pool.checkout))
      expect(timeout._tag).toBe("PoolTimeout")
      expect(timeout.waited_ms).toBeGreaterThanOrEqual(300)
      expect(srv.stats().requests).toBe(10)
      expect(yield* pool.stats).toMatchObject({ active: 10, utilization: 1, timeouts: 2 })
      yield* Effect.promise(() => srv.fault({ kind: "resume" }))
      yield* Fiber.joinAll(fibers)
      expect(yield* pool.stats).toMatchObject({ active: 0, waiting: 0, utilization: 0, timeouts: 2 })
      yield* db.execute(select1)
    })
  )

  it.scopedLive("a transaction holds its connection until it commits; others wait for it", () =>
    Effect.gen(function* () {
      const srv = yield* server()
      const { db, pool } = yield* pooled(srv.url, { max_connections: 1 })
      yield* db.execute({ sql: "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)", args: [] })
      srv.resetStats()
      const other = yield* db
        .transaction("write", (tx) =>
          Effect.gen(function* () {
            yield* tx.execute({ sql: "INSERT INTO t VALUES (1, 'a')", args: [] })
            const reader = yield* Effect.fork(db.execute({ sql: "SELECT count(*) AS n FROM t", args: [] }))
            yield* eventually(() => Effect.runSync(pool.stats).waiting === 1)
            yield* tx.execute({ sql: "INSERT INTO t VALUES (2, 'b')", args: [] })
            return reader
          })
        )
        .pipe(Effect.flatMap(Fiber.join))
      // the reader ran after the commit, on the same single connection and socket (no new one since the reset)
      expect(other.rows[0]?.["n"]).toBe(2)
      expect(srv.stats()).toMatchObject({ requests: 4, sockets_accepted: 0, sockets_open: 1 })
      expect(yield* pool.stats).toMatchObject({ active: 0, connections_created: 1 })
    })
  )

  it.scopedLive("a failed transaction is rolled back before its connection is reused", () =>
    Effect.gen(function* () {
      const srv = yield* server()
      const { db, pool } = yield* pooled(srv.url, { max_connections: 1 })
      yield* db.execute({ sql: "CREATE TABLE t (id INTEGER PRIMARY KEY)", args: [] })
      const failed = yield* Effect.flip(
        db.transaction("write", (tx) =>
          Effect.zipRight(tx.execute({ sql: "INSERT INTO t VALUES (1)", args: [] }), Effect.fail("boom" as const))
        )
      )
      expect(failed).toBe("boom")
      const rows = yield* db.execute({ sql: "SELECT count(*) AS n FROM t", args: [] })
      expect(rows.rows[0]?.["n"]).toBe(0)
      expect(srv.stats().sockets_accepted).toBe(1)
      expect((yield* pool.stats).connections_replaced).toBe(0)
    })
  )
})

describe("remote pool: maintenance leases", () => {
  it.scopedLive("an operation arriving while the only idle connection answers a ping waits for it: no new socket", () =>
    Effect.gen(function* () {
      const srv = yield* server()
      const { db, pool } = yield* pooled(srv.url)
      yield* db.execute(select1)
      const [connection] = yield* pool.connections
      yield* Effect.promise(() => srv.fault({ kind: "stall", count: 1, ms: 200 }))
      const ping = yield* Effect.fork(
        Effect.scoped(
          Effect.flatMap(pool.reserveIdle(connection!.id), (lease) =>
            Option.isSome(lease) ? lease.value.ping("5 seconds", "keepalive") : Effect.succeed(false)
          )
        )
      )
      yield* eventually(() => srv.stats().faults_injected.stall === 1)
      // a second reservation of a busy connection gets nothing
      expect(Option.isNone(yield* Effect.scoped(pool.reserveIdle(connection!.id)))).toBe(true)
      yield* db.execute(select1)
      expect(yield* Fiber.join(ping)).toBe(true)
      expect(srv.stats()).toMatchObject({ requests: 3, sockets_accepted: 1 })
      expect(yield* pool.stats).toMatchObject({ connections_created: 1, total_acquired: 2, active: 0, idle: 1 })
    })
  )
})

describe("remote pool: round trips", () => {
  it.scopedLive("one execute = 1 HTTP request, one batch of 10 inserts = 1 HTTP request, over one socket", () =>
    Effect.gen(function* () {
      const srv = yield* server()
      const { db } = yield* pooled(srv.url)
      yield* db.execute({ sql: "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)", args: [] })
      srv.resetStats()
      yield* db.execute({ sql: "SELECT count(*) FROM t", args: [] })
      expect(srv.stats().requests).toBe(1)
      const inserts = Array.from({ length: 10 }, (_, i) => ({ sql: "INSERT INTO t VALUES (?, ?)", args: [i, `v${i}`] }))
      const results = yield* db.batch(inserts)
      expect(results).toHaveLength(10)
      expect(srv.stats()).toMatchObject({ requests: 2, sockets_accepted: 0, sockets_open: 1 })
      expect(srv.stats().requests_by_type).toMatchObject({ batch: 1, execute: 1 })
      const stats = yield* db.stats
      expect(stats).toMatchObject({ executes: 2, batches: 1, statements: 12, errors: 0 })
      expect(stats.pool).toMatchObject({ total_acquired: 3, requests: 3, connections_created: 1 })
    })
  )
})
