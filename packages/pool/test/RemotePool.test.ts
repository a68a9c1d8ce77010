import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as TestClock from "effect/TestClock"
import * as Pool from "../src/Pool.js"
import type * as PoolConfig from "../src/PoolConfig.js"
import { eventually, pooled, select1, server } from "./support/helpers.js"

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
      expect(timeout).toMatchObject({ _tag: "PoolTimeout", max_connections: 10 })
      expect(timeout._tag === "PoolTimeout" && timeout.waited_ms).toBeGreaterThanOrEqual(300)
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

/** A pool whose only connection, used once, is reserved for a ping that the server holds until resumed. */
const heldPing = (connection_pool: Partial<PoolConfig.ConnectionPoolSection> = {}) =>
  Effect.gen(function* () {
    const srv = yield* server()
    const { db, pool } = yield* pooled(srv.url, connection_pool)
    yield* db.execute(select1)
    const [connection] = yield* pool.connections
    const id = connection!.id
    yield* Effect.promise(() => srv.fault({ kind: "stall", count: 1 }))
    const ping = yield* Effect.fork(
      Effect.scoped(
        Effect.flatMap(pool.reserveIdle(id), (lease) =>
          Option.isSome(lease) ? lease.value.ping("60 seconds", "keepalive") : Effect.succeed(false)
        )
      )
    )
    yield* eventually(() => srv.stats().faults_injected.stall === 1)
    return { srv, db, pool, id, ping }
  })

describe("remote pool: maintenance leases", () => {
  it.scopedLive("an operation arriving while the only idle connection answers a ping waits for it: no new socket", () =>
    Effect.gen(function* () {
      const { db, id, ping, pool, srv } = yield* heldPing()
      // a second reservation of a busy connection gets nothing
      expect(Option.isNone(yield* Effect.scoped(pool.reserveIdle(id)))).toBe(true)
      const operation = yield* Effect.fork(db.execute(select1))
      // the operation holds a permit and waits for the ping, counted as waiting; nothing went out for it
      yield* eventually(() => Effect.runSync(pool.stats).waiting === 1)
      expect(yield* pool.stats).toMatchObject({ active: 2, waiting: 1, connections_created: 1 })
      expect(srv.stats()).toMatchObject({ requests: 2, sockets_accepted: 1 })
      yield* Effect.promise(() => srv.fault({ kind: "resume" }))
      yield* Fiber.join(operation)
      expect(yield* Fiber.join(ping)).toBe(true)
      expect(srv.stats()).toMatchObject({ requests: 3, sockets_accepted: 1 })
      expect(yield* pool.stats).toMatchObject({
        connections_created: 1,
        total_acquired: 2,
        active: 0,
        idle: 1,
        waiting: 0
      })
    })
  )

  it.scopedLive("an operation waiting for a ping can be interrupted while the ping is still held", () =>
    Effect.gen(function* () {
      const { db, ping, pool, srv } = yield* heldPing()
      const result = yield* db.execute(select1).pipe(Effect.timeout("200 millis"), Effect.either)
      expect(result._tag).toBe("Left")
      // the ping is still held at the server: the operation ended without it
      expect(Option.isNone(yield* Fiber.poll(ping))).toBe(true)
      expect(srv.stats().requests).toBe(2)
      // its permit went back; only the ping's lease is active
      expect(yield* pool.stats).toMatchObject({ active: 1, waiting: 0, total_acquired: 1 })
      yield* Effect.promise(() => srv.fault({ kind: "resume" }))
      expect(yield* Fiber.join(ping)).toBe(true)
      expect(yield* pool.stats).toMatchObject({ active: 0, waiting: 0 })
    })
  )

  it.scoped("the wait for a ping is bounded by what is left of connection_timeout_secs (TestClock)", () =>
    Effect.gen(function* () {
      const { ping, pool, srv } = yield* heldPing({ connection_timeout_secs: 3 })
      const checkout = yield* Effect.fork(Effect.flip(Effect.scoped(pool.checkout)))
      yield* eventually(() => Effect.runSync(pool.stats).waiting === 1)
      yield* TestClock.adjust("2999 millis")
      expect(Option.isNone(yield* Fiber.poll(checkout))).toBe(true)
      yield* TestClock.adjust("1 millis")
      expect(yield* Fiber.join(checkout)).toMatchObject({ _tag: "PoolTimeout", waited_ms: 3000, max_connections: 20 })
      expect(Option.isNone(yield* Fiber.poll(ping))).toBe(true)
      expect(yield* pool.stats).toMatchObject({ active: 1, waiting: 0, timeouts: 1 })
      expect(srv.stats().requests).toBe(2)
      yield* Effect.promise(() => srv.fault({ kind: "resume" }))
      expect(yield* Fiber.join(ping)).toBe(true)
    })
  )
})

describe("remote pool: URLs", () => {
  it.scoped(
    "a URL that does not parse, has an unsupported scheme, or that the client refuses fails the layer, typed",
    () =>
      Effect.gen(function* () {
        for (const url of ["http//missing-colon", "ws://127.0.0.1:1"]) {
          const error = yield* Effect.flip(Layer.build(Pool.layer({ url })))
          expect(error._tag).toBe("InvalidDatabaseUrl")
          expect(error.message).toContain("expected file: (embedded) or libsql://, https:// or http:// (remote)")
        }
        const refused = yield* Effect.flip(Layer.build(Pool.layer({ url: "http://127.0.0.1:1/?unknown_param=1" })))
        expect(refused._tag).toBe("InvalidDatabaseUrl")
        expect(refused.message).toContain("unknown_param")
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
