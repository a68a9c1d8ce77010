import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import { eventually, pooled, select1, server } from "./support/helpers.js"

describe("remote pool: health checks (TestClock: the pool measures idle time on the Effect Clock)", () => {
  it.scoped("a warm connection is never checked; one idle past health_check_idle_secs costs one ping", () =>
    Effect.gen(function* () {
      const srv = yield* server()
      const { db, pool } = yield* pooled(srv.url, { health_check_idle_secs: 30 })
      for (let i = 0; i < 5; i++) yield* db.execute(select1)
      expect(srv.stats().requests).toBe(5)
      yield* TestClock.adjust("29 seconds")
      yield* db.execute(select1)
      expect(srv.stats().requests).toBe(6)
      expect((yield* pool.stats).health_checks).toBe(0)
      yield* TestClock.adjust("30 seconds")
      yield* db.execute(select1)
      // the doubtful connection answered a SELECT 1 first: 2 requests, same socket
      expect(srv.stats()).toMatchObject({ requests: 8, sockets_accepted: 1 })
      expect(yield* pool.stats).toMatchObject({ health_checks: 1, health_check_failures: 0, connections_replaced: 0 })
      yield* db.execute(select1)
      expect(srv.stats().requests).toBe(9)
    })
  )

  it.scoped("enable_health_check = false: an idle connection is used without a check", () =>
    Effect.gen(function* () {
      const srv = yield* server()
      const { db, pool } = yield* pooled(srv.url, { enable_health_check: false, health_check_idle_secs: 30 })
      yield* db.execute(select1)
      yield* TestClock.adjust("60 seconds")
      yield* db.execute(select1)
      expect(srv.stats().requests).toBe(2)
      expect((yield* pool.stats).health_checks).toBe(0)
    })
  )

  it.scoped("a check that exceeds health_check_timeout_secs replaces the connection; the operation succeeds", () =>
    Effect.gen(function* () {
      const srv = yield* server()
      const { db, pool } = yield* pooled(srv.url, { health_check_idle_secs: 30, health_check_timeout_secs: 2 })
      yield* db.execute(select1)
      yield* TestClock.adjust("31 seconds")
      // the check is held at the server until told otherwise
      yield* Effect.promise(() => srv.fault({ kind: "stall", count: 1 }))
      const operation = yield* Effect.fork(db.execute({ sql: "SELECT 42 AS n", args: [] }))
      yield* eventually(() => srv.stats().faults_injected.stall === 1)
      yield* TestClock.adjust("2 seconds")
      const result = yield* Fiber.join(operation)
      expect(result.rows[0]?.["n"]).toBe(42)
      expect(yield* pool.stats).toMatchObject({
        health_checks: 1,
        health_check_failures: 1,
        connections_replaced: 1,
        connections_created: 2
      })
      // the stalled check's socket was destroyed; the operation went out on a new one
      expect(srv.stats()).toMatchObject({ requests: 3, sockets_accepted: 2 })
      yield* eventually(() => srv.stats().sockets_open === 1)
      yield* Effect.promise(() => srv.fault({ kind: "resume" }))
    })
  )

  it.scoped("a socket the server closed is not checked: the next operation opens a new one", () =>
    Effect.gen(function* () {
      const srv = yield* server({ network: { idle_timeout_ms: 100 } })
      const { db, pool } = yield* pooled(srv.url, { health_check_idle_secs: 30 })
      yield* db.execute(select1)
      yield* eventually(() => srv.stats().sockets_closed_idle === 1)
      yield* eventually(() => Effect.runSync(pool.stats).sockets_closed_idle === 1)
      yield* TestClock.adjust("31 seconds")
      yield* db.execute(select1)
      expect(srv.stats()).toMatchObject({ requests: 2, sockets_accepted: 2 })
      expect(yield* pool.stats).toMatchObject({ health_checks: 0, connections_created: 1, sockets_opened: 2 })
    })
  )

  it.scoped("keptWarm (keep-alive's promise) raises the idle threshold while its scope is open", () =>
    Effect.gen(function* () {
      const srv = yield* server()
      const { db, pool } = yield* pooled(srv.url, { health_check_idle_secs: 30 })
      yield* db.execute(select1)
      yield* Effect.scoped(
        Effect.gen(function* () {
          yield* pool.keptWarm(45_000)
          yield* TestClock.adjust("44 seconds")
          yield* db.execute(select1)
          expect(srv.stats().requests).toBe(2)
          yield* TestClock.adjust("45 seconds")
          yield* db.execute(select1)
          expect(srv.stats().requests).toBe(4)
        })
      )
      // the promise ended with its scope: back to health_check_idle_secs
      yield* TestClock.adjust("30 seconds")
      yield* db.execute(select1)
      expect(srv.stats().requests).toBe(6)
      expect((yield* pool.stats).health_checks).toBe(2)
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
  it.scopedLive("the auth token never appears in errors or statistics, even when the server echoes it", () =>
    Effect.gen(function* () {
      const token = "tok-SECRET-4711"
      const urlSecret = "url-SECRET-0815"
      const srv = yield* server({ authToken: token })
      const good = yield* pooled(srv.url, {}, { authToken: Redacted.make(token) })
      yield* good.db.execute(select1)
      // a server (or proxy) that quotes the token and a URL with a token in its error message
      const echoed = `bad credentials ${token} for ${srv.url}/v2/pipeline?authToken=${urlSecret}`
      yield* Effect.promise(() => srv.fault({ kind: "fail", count: 1, status: 503, message: echoed }))
      const quoted = yield* Effect.flip(good.db.execute(select1))
      expect(quoted.message).toContain("bad credentials [REDACTED]")
      expect(quoted.message).toContain("?authToken=[REDACTED]")
      const bad = yield* pooled(srv.url, {}, { authToken: Redacted.make(`${token}-wrong`) })
      const unauthorized = yield* Effect.flip(bad.db.execute(select1))
      yield* Effect.promise(() => srv.stop())
      const refused = yield* Effect.flip(good.db.execute(select1))
      for (const error of [quoted, unauthorized, refused]) {
        const text = `${error.message} ${JSON.stringify(error)} ${String(error)}`
        expect(text).not.toContain(token)
        expect(text).not.toContain(urlSecret)
      }
      expect(JSON.stringify(yield* good.db.stats)).not.toContain(token)
      expect(JSON.stringify(yield* good.pool.stats)).not.toContain(token)
      expect(String(good.pool.authToken)).not.toContain(token)
    })
  )
})
