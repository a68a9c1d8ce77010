import { describe, expect, it } from "@effect/vitest"
import type { LibsqlError } from "@libsql/client"
import * as Effect from "effect/Effect"
import { cells, client, eventually, failure, run, server } from "./support/helpers.js"

const elapsed = <A>(f: () => Promise<A>) =>
  run(async () => {
    const start = performance.now()
    await f()
    return performance.now() - start
  })

const causeCode = (error: unknown): unknown => (error as { cause?: { code?: unknown } }).cause?.code

describe("network model", () => {
  it.scopedLive("connect_ms is paid once per socket: sequential requests over keep-alive use one socket", () =>
    Effect.gen(function* () {
      const srv = yield* server({ network: { connect_ms: 40 } })
      // one connection per agent: undici may open a second socket when a request follows the previous response
      // in the same tick (before the first socket is released), see the README
      const db = yield* client(srv, {}, { connections: 1 })
      const first = yield* elapsed(() => db.execute("SELECT 1"))
      expect(first).toBeGreaterThanOrEqual(40)
      for (let i = 0; i < 5; i++) yield* run(() => db.execute("SELECT 1"))
      expect(srv.stats()).toMatchObject({ sockets_accepted: 1, sockets_open: 1, requests: 6 })
      // a second client (its own agent) opens its own socket and pays the handshake again
      const other = yield* client(srv, {}, { connections: 1 })
      expect(yield* elapsed(() => other.execute("SELECT 1"))).toBeGreaterThanOrEqual(40)
      expect(srv.stats().sockets_accepted).toBe(2)
    })
  )

  it.scopedLive("rtt_ms is added to every pipeline request, and can be changed at run time", () =>
    Effect.gen(function* () {
      const srv = yield* server({ network: { rtt_ms: 30 } })
      const db = yield* client(srv)
      expect(yield* elapsed(() => db.execute("SELECT 1"))).toBeGreaterThanOrEqual(30)
      expect(yield* elapsed(() => db.batch(["SELECT 1", "SELECT 2"]))).toBeGreaterThanOrEqual(30)
      srv.configure({ rtt_ms: 60 })
      expect(yield* elapsed(() => db.execute("SELECT 1"))).toBeGreaterThanOrEqual(60)
      // an interactive transaction pays one round trip per call: 2 statements + commit
      const tx = yield* run(() => db.transaction("write"))
      const txTime = yield* elapsed(async () => {
        await tx.execute("SELECT 1")
        await tx.execute("SELECT 2")
        await tx.commit()
      })
      expect(txTime).toBeGreaterThanOrEqual(180)
    })
  )

  it.scopedLive("idle_timeout_ms closes idle keep-alive sockets; 0 keeps them", () =>
    Effect.gen(function* () {
      const closing = yield* server({ network: { idle_timeout_ms: 100 } })
      const keeping = yield* server()
      const a = yield* client(closing)
      const b = yield* client(keeping)
      yield* run(() => a.execute("SELECT 1"))
      yield* run(() => b.execute("SELECT 1"))
      yield* eventually(() => closing.stats().sockets_closed_idle === 1)
      expect(closing.stats()).toMatchObject({ sockets_accepted: 1, sockets_open: 0, sockets_closed: 1 })
      expect(keeping.stats()).toMatchObject({ sockets_accepted: 1, sockets_open: 1, sockets_closed_idle: 0 })
      // the client notices the closed socket and connects again
      yield* run(() => a.execute("SELECT 1"))
      expect(closing.stats().sockets_accepted).toBe(2)
      // switched on at run time: applies from the next time a socket goes idle
      keeping.configure({ idle_timeout_ms: 50 })
      yield* run(() => b.execute("SELECT 1"))
      yield* eventually(() => keeping.stats().sockets_closed_idle === 1)
      expect(keeping.stats().sockets_open).toBe(0)
    })
  )

  it.scopedLive("fail: the next N requests get the 5xx with a JSON message, then the server recovers", () =>
    Effect.gen(function* () {
      const srv = yield* server()
      const db = yield* client(srv)
      yield* run(() => srv.fault({ kind: "fail", count: 3, status: 503, message: "upstream overloaded" }))
      for (let i = 0; i < 3; i++) {
        const error = yield* failure(() => db.execute("SELECT 1"))
        expect((error as LibsqlError).message).toContain("upstream overloaded")
      }
      const rs = yield* run(() => db.execute("SELECT 1"))
      expect(cells(rs.rows[0])).toEqual([1])
      expect(srv.stats()).toMatchObject({ requests: 4, statements_executed: 1, faults_injected: { fail: 3 } })
      yield* run(() => srv.fault({ kind: "fail", status: 502 }))
      const raw = yield* run(() =>
        fetch(`${srv.url}/v2/pipeline`, { method: "POST", body: JSON.stringify({ requests: [] }) })
      )
      expect(raw.status).toBe(502)
      expect(raw.headers.get("content-type")).toBe("application/json")
      expect(yield* run(() => raw.json())).toEqual({ message: "Service unavailable (injected fault)" })
    })
  )

  it.scopedLive("stop_accepting refuses new connects (open sockets keep working); resume listens again", () =>
    Effect.gen(function* () {
      const srv = yield* server()
      const warm = yield* client(srv)
      yield* run(() => warm.execute("SELECT 1"))
      yield* run(() => srv.fault({ kind: "stop_accepting" }))
      expect(srv.accepting).toBe(false)
      const cold = yield* client(srv)
      const refused = yield* failure(() => cold.execute("SELECT 1"))
      expect(causeCode(refused)).toBe("ECONNREFUSED")
      yield* run(() => warm.execute("SELECT 1"))
      yield* run(() => srv.fault({ kind: "resume" }))
      expect(srv.accepting).toBe(true)
      yield* run(() => cold.execute("SELECT 1"))
      expect(srv.stats()).toMatchObject({ sockets_accepted: 2, faults_injected: { stop_accepting: 1 } })
      // with ms, listening comes back by itself
      yield* run(() => srv.fault({ kind: "stop_accepting", ms: 50 }))
      expect(srv.accepting).toBe(false)
      yield* eventually(() => srv.accepting)
      const later = yield* client(srv)
      yield* run(() => later.execute("SELECT 1"))
    })
  )

  it.scopedLive("reset: destroys open sockets now, or the sockets of the next N requests", () =>
    Effect.gen(function* () {
      const srv = yield* server()
      const db = yield* client(srv)
      yield* run(() => db.execute("CREATE TABLE r (x)"))
      yield* run(() => srv.fault({ kind: "reset" }))
      expect(srv.stats()).toMatchObject({ sockets_open: 0, faults_injected: { reset: 1 } })
      yield* run(() => db.execute("SELECT 1"))
      expect(srv.stats().sockets_accepted).toBe(2)
      // before execution: the request fails and did not run
      yield* run(() => srv.fault({ kind: "reset", count: 1 }))
      const lost = yield* failure(() => db.execute("INSERT INTO r VALUES (1)"))
      expect(lost).toBeInstanceOf(Error)
      // after execution: the request ran, but its response never arrived
      yield* run(() => srv.fault({ kind: "reset", count: 1, after_execute: true }))
      yield* failure(() => db.execute("INSERT INTO r VALUES (2)"))
      const rows = yield* run(() => db.execute("SELECT x FROM r"))
      expect(rows.rows.map((r) => r[0])).toEqual([2])
      expect(srv.stats().faults_injected.reset).toBe(3)
    })
  )

  it.scopedLive("stall: holds the next request until resume, or for ms", () =>
    Effect.gen(function* () {
      const srv = yield* server()
      const db = yield* client(srv)
      yield* run(() => srv.fault({ kind: "stall", count: 1 }))
      let done = false
      const held = db.execute("SELECT 1").then(() => {
        done = true
      })
      yield* eventually(() => srv.stats().faults_injected.stall === 1)
      yield* Effect.sleep("50 millis")
      expect(done).toBe(false)
      yield* run(() => srv.fault({ kind: "resume" }))
      yield* run(() => held)
      expect(done).toBe(true)
      yield* run(() => srv.fault({ kind: "stall", count: 1, ms: 40 }))
      expect(yield* elapsed(() => db.execute("SELECT 1"))).toBeGreaterThanOrEqual(40)
      expect(srv.stats().faults_injected.stall).toBe(2)
    })
  )

  it.scopedLive("stream_timeout_ms rolls back an abandoned transaction", () =>
    Effect.gen(function* () {
      const srv = yield* server({ network: { stream_timeout_ms: 100 } })
      const db = yield* client(srv)
      yield* run(() => db.execute("CREATE TABLE s (x)"))
      const tx = yield* run(() => db.transaction("write"))
      yield* run(() => tx.execute("INSERT INTO s VALUES (1)"))
      expect(srv.stats().streams_open).toBe(1)
      yield* eventually(() => srv.stats().streams_expired === 1)
      expect(srv.stats().streams_open).toBe(0)
      const count = yield* run(() => db.execute("SELECT count(*) FROM s"))
      expect(count.rows[0]?.[0]).toBe(0)
      // the write lock was released: another stream can write at once
      yield* run(() => db.execute("INSERT INTO s VALUES (2)"))
      const late = yield* failure(() => tx.commit())
      expect((late as LibsqlError).message).toContain("expired")
    })
  )
})
