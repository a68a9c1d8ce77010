import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { eventually, pooled, select1, server, sleep } from "./helpers.js"

describe("remote pool: health checks", () => {
  it.scopedLive("a warm connection is never checked; one idle past health_check_idle_secs costs one ping", () =>
    Effect.gen(function* () {
      const srv = yield* server()
      const { db, pool } = yield* pooled(srv.url, { health_check_idle_secs: 0.2 })
      for (let i = 0; i < 5; i++) yield* db.execute(select1)
      expect(srv.stats().requests).toBe(5)
      expect((yield* pool.stats).health_checks).toBe(0)
      yield* sleep(300)
      yield* db.execute(select1)
      // the doubtful connection answered a SELECT 1 first: 2 requests, same socket
      expect(srv.stats()).toMatchObject({ requests: 7, sockets_accepted: 1 })
      expect(yield* pool.stats).toMatchObject({ health_checks: 1, health_check_failures: 0, connections_replaced: 0 })
      yield* db.execute(select1)
      expect(srv.stats().requests).toBe(8)
    })
  )

  it.scopedLive("enable_health_check = false: an idle connection is used without a check", () =>
    Effect.gen(function* () {
      const srv = yield* server()
      const { db, pool } = yield* pooled(srv.url, { enable_health_check: false, health_check_idle_secs: 0.2 })
      yield* db.execute(select1)
      yield* sleep(300)
      yield* db.execute(select1)
      expect(srv.stats().requests).toBe(2)
      expect((yield* pool.stats).health_checks).toBe(0)
    })
  )

  it.scopedLive("a check that exceeds health_check_timeout_secs replaces the connection; the operation succeeds", () =>
    Effect.gen(function* () {
      const srv = yield* server()
      const { db, pool } = yield* pooled(srv.url, { health_check_idle_secs: 0.1, health_check_timeout_secs: 0.2 })
      yield* db.execute(select1)
      yield* sleep(150)
      yield* Effect.promise(() => srv.fault({ kind: "stall", count: 1, ms: 3000 }))
      const result = yield* db.execute({ sql: "SELECT 42 AS n", args: [] })
      expect(result.rows[0]?.["n"]).toBe(42)
      expect(yield* pool.stats).toMatchObject({
        health_checks: 1,
        health_check_failures: 1,
        connections_replaced: 1,
        connections_created: 2
      })
      // the stalled ping's socket was destroyed; the operation went out on a new one
      expect(srv.stats().sockets_accepted).toBe(2)
      yield* eventually(() => srv.stats().sockets_open === 1)
    })
  )

  it.scopedLive("a socket the server closed is not checked: the next operation opens a new one", () =>
    Effect.gen(function* () {
      const srv = yield* server({ network: { idle_timeout_ms: 100 } })
      const { db, pool } = yield* pooled(srv.url, { health_check_idle_secs: 0.05 })
      yield* db.execute(select1)
      yield* eventually(() => srv.stats().sockets_closed_idle === 1)
      yield* eventually(() => Effect.runSync(pool.stats).sockets_closed_idle === 1)
      yield* db.execute(select1)
      expect(srv.stats()).toMatchObject({ requests: 2, sockets_accepted: 2 })
      expect(yield* pool.stats).toMatchObject({ health_checks: 0, connections_created: 1, sockets_opened: 2 })
    })
  )
})

describe("remote pool: broken connections", () => {
  it.scopedLive("a reset socket fails that operation with DatabaseUnavailable; the connection is replaced", () =>
    Effect.gen(function* () {
      const srv = yield* server()
      const { db, pool } = yield* pooled(srv.url)
      yield* db.execute(select1)
      yield* Effect.promise(() => srv.fault({ kind: "reset", count: 1 }))
      const failed = yield* Effect.flip(db.execute(select1))
      expect(failed._tag).toBe("DatabaseUnavailable")
      expect(yield* pool.stats).toMatchObject({ connections_replaced: 1, active: 0 })
      yield* db.execute(select1)
      expect(yield* pool.stats).toMatchObject({ connections_created: 2, connections_replaced: 1 })
      expect(srv.stats().sockets_accepted).toBe(2)
    })
  )

  it.scopedLive("a 5xx answer fails the operation but keeps the (healthy) connection", () =>
    Effect.gen(function* () {
      const srv = yield* server()
      const { db, pool } = yield* pooled(srv.url)
      yield* db.execute(select1)
      yield* Effect.promise(() => srv.fault({ kind: "fail", count: 1, status: 503 }))
      expect((yield* Effect.flip(db.execute(select1)))._tag).toBe("DatabaseUnavailable")
      yield* db.execute(select1)
      expect(yield* pool.stats).toMatchObject({ connections_created: 1, connections_replaced: 0 })
      expect(srv.stats().sockets_accepted).toBe(1)
    })
  )

  it.scopedLive("a killed server: operations fail typed, nothing crashes, and after a restart the next succeeds", () =>
    Effect.gen(function* () {
      const srv = yield* server()
      const { db, pool } = yield* pooled(srv.url, { max_connections: 4 })
      yield* Effect.forEach(Array.from({ length: 4 }), () => db.execute(select1), { concurrency: 4 })
      yield* Effect.promise(() => srv.stop())
      const failures = yield* Effect.forEach(Array.from({ length: 3 }), () => Effect.flip(db.execute(select1)))
      expect(failures.map((f) => f._tag)).toEqual(["DatabaseUnavailable", "DatabaseUnavailable", "DatabaseUnavailable"])
      expect((yield* pool.stats).connections_replaced).toBe(3)
      yield* Effect.promise(() => srv.start())
      yield* db.execute(select1)
      expect(yield* pool.stats).toMatchObject({ active: 0, utilization: 0 })
    })
  )

  it.scopedLive("a restart while idle costs nothing but new sockets: the next operations succeed", () =>
    Effect.gen(function* () {
      const srv = yield* server()
      const { db, pool } = yield* pooled(srv.url, { max_connections: 3 })
      yield* Effect.forEach(Array.from({ length: 3 }), () => db.execute(select1), { concurrency: 3 })
      yield* Effect.promise(() => srv.restart())
      yield* eventually(() => Effect.runSync(pool.stats).sockets_open === 0)
      yield* Effect.forEach(Array.from({ length: 3 }), () => db.execute(select1), { concurrency: 3 })
      expect(yield* pool.stats).toMatchObject({ connections_created: 3, connections_replaced: 0, sockets_opened: 6 })
    })
  )

  it.scopedLive("an operation interrupted in flight discards its connection (no second request on that socket)", () =>
    Effect.gen(function* () {
      const srv = yield* server()
      const { db, pool } = yield* pooled(srv.url, { max_connections: 1 })
      yield* db.execute(select1)
      yield* Effect.promise(() => srv.fault({ kind: "stall", count: 1 }))
      const timedOut = yield* db.execute(select1).pipe(Effect.timeout("100 millis"), Effect.either)
      expect(timedOut._tag).toBe("Left")
      expect(yield* pool.stats).toMatchObject({ active: 0, connections_replaced: 1 })
      yield* db.execute(select1)
      expect(srv.stats().sockets_accepted).toBe(2)
      yield* Effect.promise(() => srv.fault({ kind: "resume" }))
    })
  )
})

describe("remote pool: secrets", () => {
  it.scopedLive("the auth token never appears in errors or statistics", () =>
    Effect.gen(function* () {
      const token = "tok-SECRET-4711"
      const srv = yield* server({ authToken: token })
      const good = yield* pooled(srv.url, {}, { authToken: Redacted.make(token) })
      yield* good.db.execute(select1)
      const bad = yield* pooled(srv.url, {}, { authToken: Redacted.make(`${token}-wrong`) })
      const unauthorized = yield* Effect.flip(bad.db.execute(select1))
      yield* Effect.promise(() => srv.stop())
      const refused = yield* Effect.flip(good.db.execute(select1))
      for (const error of [unauthorized, refused]) {
        expect(`${error.message} ${JSON.stringify(error)} ${String(error)}`).not.toContain(token)
      }
      expect(JSON.stringify(yield* good.db.stats)).not.toContain(token)
      expect(JSON.stringify(yield* good.pool.stats)).not.toContain(token)
      expect(String(good.pool.authToken)).not.toContain(token)
    })
  )
})
