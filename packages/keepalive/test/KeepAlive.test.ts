import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as TestClock from "effect/TestClock"
import * as KeepAlive from "../src/KeepAlive.js"
import { clientSocketsClosed, eventually, select1, server, sleep, stack, warnings } from "./support/helpers.js"

describe("keep-alive against a server that closes idle sockets", () => {
  // The server closes sockets after 1.5 s of real silence; the pinger's rounds are driven by TestClock, one every
  // ~300 ms of real time, so the test controls exactly how many pings go out.
  it.scoped("pings keep the socket open across 3 s of idle time (no new one); without them one is opened", () =>
    Effect.gen(function* () {
      const network = { idle_timeout_ms: 1500, connect_ms: 45 }
      const on = yield* server({ network })
      const off = yield* server({ network })
      const logs = warnings()
      const kept = yield* stack(
        on.url,
        { interval_secs: 10, server_idle_timeout_secs: 1.5 },
        {},
        { logger: logs.layer }
      )
      const plain = yield* stack(off.url, { enabled: false })
      yield* kept.db.execute(select1)
      yield* plain.db.execute(select1)
      const rounds = 10
      for (let i = 1; i <= rounds; i++) {
        yield* sleep(300)
        yield* TestClock.adjust("10 seconds")
        yield* eventually(() => on.stats().requests === 1 + i)
      }
      yield* kept.db.execute(select1)
      // with keep-alive: still the first socket, never closed by the server; 1 read + 10 pings + 1 read
      expect(on.stats()).toMatchObject({ requests: 2 + rounds, sockets_accepted: 1, sockets_closed_idle: 0 })
      expect(yield* kept.keepAlive.stats).toMatchObject({
        active: true,
        connections_created: 1,
        pings: rounds,
        ping_failures: 0,
        cold_requests: 1,
        warm_requests: rounds + 1,
        // the read came 3 s after the previous one, past the configured 1.5 s idle timeout, on a pinged socket
        requests_kept_warm: 1
      })
      // without: the server closed the socket after 1.5 s, and the read opened a second one
      yield* eventually(() => off.stats().sockets_closed_idle === 1)
      yield* eventually(() => clientSocketsClosed(plain.pool))
      yield* plain.db.execute(select1)
      expect(off.stats()).toMatchObject({ requests: 2, sockets_accepted: 2, sockets_closed_idle: 1 })
      expect(yield* plain.keepAlive.stats).toMatchObject({ active: false, pings: 0 })
      expect((yield* plain.pool.stats).sockets_opened).toBe(2)
    })
  )

  it.scoped("time saved is measured: cold requests (new socket) against warm ones", () =>
    Effect.gen(function* () {
      const srv = yield* server({ network: { idle_timeout_ms: 800, connect_ms: 40 } })
      const { db, keepAlive, pool } = yield* stack(srv.url, { interval_secs: 30 }, {}, { logger: warnings().layer })
      // each read after the server closed the idle socket is cold (once the client has seen the close too: before
      // that, a request may race the close); the read right after it is warm
      for (let i = 0; i < 2; i++) {
        yield* eventually(() => srv.stats().sockets_open === 0 && clientSocketsClosed(pool))
        yield* db.execute(select1)
        yield* db.execute(select1)
      }
      const stats = yield* keepAlive.stats
      expect(stats).toMatchObject({ cold_requests: 2, warm_requests: 2, connections_created: 2, pings: 0 })
      // a cold request paid the server's connect_ms (a lower bound the server guarantees)
      expect(stats.avg_cold_ms).toBeGreaterThanOrEqual(40)
      expect(stats.avg_time_saved_ms).toBeCloseTo(stats.avg_cold_ms - stats.avg_warm_ms, 2)
      // no ping kept anything warm here
      expect(stats).toMatchObject({ requests_kept_warm: 0, time_saved_ms: 0 })
      expect(stats.observed_server_idle_close_ms).toBeGreaterThanOrEqual(400)
    })
  )

  it.scoped("a ping that fails (times out) replaces the connection; the next operation succeeds", () =>
    Effect.gen(function* () {
      const srv = yield* server()
      const { db, keepAlive, pool } = yield* stack(srv.url, { interval_secs: 30, ping_timeout_secs: 5 })
      yield* db.execute(select1)
      yield* Effect.promise(() => srv.fault({ kind: "stall", count: 1 }))
      yield* TestClock.adjust("30 seconds")
      yield* eventually(() => srv.stats().faults_injected.stall === 1)
      expect(yield* keepAlive.stats).toMatchObject({ pings: 1, ping_failures: 0 })
      yield* TestClock.adjust("5 seconds")
      yield* eventually(() => Effect.runSync(keepAlive.stats).ping_failures === 1)
      expect(yield* keepAlive.stats).toMatchObject({ pings: 1, ping_failures: 1, connections_refreshed: 1 })
      expect((yield* pool.stats).connections_replaced).toBe(1)
      const result = yield* db.execute({ sql: "SELECT 7 AS n", args: [] })
      expect(result.rows[0]?.["n"]).toBe(7)
      expect((yield* keepAlive.stats).ping_failures).toBe(1)
      expect(srv.stats().sockets_accepted).toBe(2)
      yield* Effect.promise(() => srv.fault({ kind: "resume" }))
    })
  )
})

describe("keep-alive and the pool's health check (TestClock)", () => {
  it.scoped(
    "with both defaults, a connection keep-alive keeps warm is not checked: used at 20 s, read at 55 s = 1 request",
    () =>
      Effect.gen(function* () {
        const srv = yield* server()
        const { db, keepAlive, pool } = yield* stack(srv.url, {})
        yield* TestClock.adjust("20 seconds")
        yield* db.execute(select1)
        // the round at 30 s finds it idle 10 s (< half an interval): no ping; at 55 s it has been idle 35 s, past the
        // pool's health_check_idle_secs (30) but within keep-alive's worst idle (45 s)
        yield* TestClock.adjust("35 seconds")
        srv.resetStats()
        yield* db.execute(select1)
        expect(srv.stats().requests).toBe(1)
        expect((yield* pool.stats).health_checks).toBe(0)
        expect(yield* keepAlive.stats).toMatchObject({ pings: 0, stale_detected: 0 })
      })
  )
})

describe("keep-alive: what counts as kept warm", () => {
  it.scoped("a server that never closes idle sockets: warm reads after pings are not credited", () =>
    Effect.gen(function* () {
      const srv = yield* server()
      const { db, keepAlive } = yield* stack(srv.url, { interval_secs: 30 })
      yield* db.execute(select1)
      yield* TestClock.adjust("30 seconds")
      yield* eventually(() => srv.stats().requests === 2)
      yield* db.execute(select1)
      expect(yield* keepAlive.stats).toMatchObject({
        pings: 1,
        warm_requests: 2,
        requests_kept_warm: 0,
        time_saved_ms: 0,
        observed_server_idle_close_ms: null
      })
    })
  )

  it.scoped("server_idle_timeout_secs decides: a read after a longer gap on a pinged socket is credited", () =>
    Effect.gen(function* () {
      const credited: Array<number> = []
      for (const server_idle_timeout_secs of [0.01, 3600]) {
        const srv = yield* server()
        const { db, keepAlive } = yield* stack(
          srv.url,
          { interval_secs: 30, server_idle_timeout_secs },
          {},
          { logger: warnings().layer }
        )
        yield* db.execute(select1)
        yield* TestClock.adjust("30 seconds")
        yield* eventually(() => srv.stats().requests === 2)
        // at least 50 ms of real time between the two reads (the gap is measured on the wire)
        yield* sleep(50)
        yield* db.execute(select1)
        credited.push((yield* keepAlive.stats).requests_kept_warm)
      }
      expect(credited).toEqual([1, 0])
    })
  )
})

describe("keep-alive: stale connections (TestClock)", () => {
  it.scoped("a connection idle past stale_threshold_secs is pinged before use; a fresh one is not", () =>
    Effect.gen(function* () {
      const srv = yield* server()
      const { db, keepAlive } = yield* stack(
        srv.url,
        { stale_threshold_secs: 60, enable_proactive_ping: false },
        { enable_health_check: false }
      )
      yield* db.execute(select1)
      yield* TestClock.adjust("59 seconds")
      yield* db.execute(select1)
      expect(srv.stats().requests).toBe(2)
      yield* TestClock.adjust("60 seconds")
      yield* db.execute(select1)
      expect(srv.stats().requests).toBe(4)
      expect(yield* keepAlive.stats).toMatchObject({ stale_detected: 1, pings: 1, ping_failures: 0 })
      expect(srv.stats().sockets_accepted).toBe(1)
    })
  )

  it.scoped("a stale connection whose socket the server closed is replaced, not probed", () =>
    Effect.gen(function* () {
      // Long enough that a loaded machine sends the first request before the server closes the fresh socket.
      const srv = yield* server({ network: { idle_timeout_ms: 300 } })
      const { db, keepAlive, pool } = yield* stack(
        srv.url,
        { stale_threshold_secs: 60, enable_proactive_ping: false },
        { enable_health_check: false }
      )
      yield* db.execute(select1)
      yield* eventually(() => srv.stats().sockets_closed_idle === 1 && clientSocketsClosed(pool))
      yield* TestClock.adjust("61 seconds")
      yield* db.execute(select1)
      expect(srv.stats()).toMatchObject({ requests: 2, sockets_accepted: 2 })
      expect(yield* keepAlive.stats).toMatchObject({ stale_detected: 1, pings: 0, connections_refreshed: 1 })
      expect((yield* pool.stats).connections_replaced).toBe(1)
    })
  )

  it.scoped("the pool's own health check runs first; keep-alive then does not ping again", () =>
    Effect.gen(function* () {
      const srv = yield* server()
      const { db, keepAlive, pool } = yield* stack(srv.url, { stale_threshold_secs: 60, enable_proactive_ping: false })
      yield* db.execute(select1)
      yield* TestClock.adjust("61 seconds")
      yield* db.execute(select1)
      expect(srv.stats().requests).toBe(3)
      expect((yield* pool.stats).health_checks).toBe(1)
      expect(yield* keepAlive.stats).toMatchObject({ stale_detected: 1, pings: 0 })
    })
  )
})

describe("keep-alive: background pings (TestClock)", () => {
  it.scoped("every interval_secs, connections idle for half an interval are pinged; busy-recent ones are not", () =>
    Effect.gen(function* () {
      const srv = yield* server()
      const { db, keepAlive } = yield* stack(srv.url, { interval_secs: 30 }, { max_connections: 2 })
      yield* Effect.all([db.execute(select1), db.execute(select1)], { concurrency: 2 })
      expect(srv.stats().sockets_accepted).toBe(2)
      yield* TestClock.adjust("20 seconds")
      yield* db.execute(select1) // one connection used 10 s before the tick
      yield* TestClock.adjust("10 seconds")
      yield* eventually(() => srv.stats().requests === 4)
      expect(yield* keepAlive.stats).toMatchObject({ pings: 1 })
      yield* TestClock.adjust("30 seconds")
      yield* eventually(() => srv.stats().requests === 6)
      expect(yield* keepAlive.stats).toMatchObject({ pings: 3, ping_failures: 0 })
      expect(srv.stats().sockets_accepted).toBe(2)
    })
  )

  it.scoped("a stalled ping delays no other connection's ping: rounds keep their fixed beat", () =>
    Effect.gen(function* () {
      const srv = yield* server()
      const { db, keepAlive } = yield* stack(
        srv.url,
        { interval_secs: 30, ping_timeout_secs: 100 },
        { max_connections: 2 }
      )
      yield* Effect.all([db.execute(select1), db.execute(select1)], { concurrency: 2 })
      expect(srv.stats().sockets_accepted).toBe(2)
      // the first ping of the next round is held at the server (until resumed, within its 100 s timeout)
      yield* Effect.promise(() => srv.fault({ kind: "stall", count: 1 }))
      yield* TestClock.adjust("30 seconds")
      yield* eventually(() => srv.stats().requests === 4)
      expect(srv.stats().faults_injected.stall).toBe(1)
      // at 60 s the other connection (idle 30 s) is pinged on time although the first round has not finished
      yield* TestClock.adjust("30 seconds")
      yield* eventually(() => srv.stats().requests === 5)
      expect(yield* keepAlive.stats).toMatchObject({ pings: 3, ping_failures: 0 })
      yield* Effect.promise(() => srv.fault({ kind: "resume" }))
    })
  )

  it.scoped("enable_proactive_ping = false: no background pings", () =>
    Effect.gen(function* () {
      const srv = yield* server()
      const { db, keepAlive } = yield* stack(srv.url, { interval_secs: 30, enable_proactive_ping: false })
      yield* db.execute(select1)
      yield* TestClock.adjust("90 seconds")
      yield* sleep(50)
      expect(srv.stats().requests).toBe(1)
      expect((yield* keepAlive.stats).pings).toBe(0)
    })
  )

  it.scoped("enabled = false: the pool passes through (no pings, no stale checks)", () =>
    Effect.gen(function* () {
      const srv = yield* server()
      const { db, keepAlive } = yield* stack(srv.url, { enabled: false }, { enable_health_check: false })
      yield* db.execute(select1)
      yield* TestClock.adjust("120 seconds")
      yield* sleep(50)
      yield* db.execute(select1)
      expect(srv.stats().requests).toBe(2)
      expect(yield* keepAlive.stats).toMatchObject({ active: false, pings: 0, stale_detected: 0 })
    })
  )
})

describe("keep-alive: warnings and failures", () => {
  it.scoped("warns at start when the interval cannot beat a configured server idle timeout", () =>
    Effect.gen(function* () {
      const srv = yield* server()
      const logs = warnings()
      yield* stack(srv.url, { interval_secs: 30, server_idle_timeout_secs: 5 }, {}, { logger: logs.layer })
      expect(logs.messages).toHaveLength(1)
      expect(logs.messages[0]).toContain("interval_secs = 30 cannot keep sockets open")
      const quiet = warnings()
      yield* stack(srv.url, { interval_secs: 3, server_idle_timeout_secs: 5 }, {}, { logger: quiet.layer })
      expect(quiet.messages).toEqual([])
    })
  )

  it.scoped("warns once when the server is seen closing idle sockets sooner than pings come", () =>
    Effect.gen(function* () {
      const srv = yield* server({ network: { idle_timeout_ms: 100 } })
      const logs = warnings()
      const { db, keepAlive, pool } = yield* stack(srv.url, { interval_secs: 30 }, {}, { logger: logs.layer })
      // each read waits until the client has seen the previous close too
      yield* db.execute(select1)
      yield* eventually(() => srv.stats().sockets_closed_idle === 1 && clientSocketsClosed(pool))
      yield* db.execute(select1)
      yield* eventually(() => srv.stats().sockets_closed_idle === 2 && clientSocketsClosed(pool))
      yield* eventually(() => logs.messages.length > 0)
      yield* sleep(20)
      expect(logs.messages).toHaveLength(1)
      expect(logs.messages[0]).toContain("the server closed sockets idle for")
      expect((yield* keepAlive.stats).observed_server_idle_close_ms).toBeGreaterThanOrEqual(90)
    })
  )

  it.scopedLive(
    "a killed server: pings fail and replace connections, nothing crashes, the next operation succeeds",
    () =>
      Effect.gen(function* () {
        const srv = yield* server()
        const { db, keepAlive } = yield* stack(srv.url, { interval_secs: 0.1, ping_timeout_secs: 0.5 })
        yield* db.execute(select1)
        yield* Effect.promise(() => srv.stop())
        yield* eventually(() => Effect.runSync(keepAlive.stats).ping_failures >= 2)
        yield* Effect.promise(() => srv.start())
        yield* db.execute(select1)
        const stats = yield* keepAlive.stats
        expect(stats.connections_refreshed).toBeGreaterThanOrEqual(2)
      })
  )

  it.scoped("embedded databases: keep-alive is inert", () =>
    Effect.gen(function* () {
      const keepAlive = yield* KeepAlive.KeepAlive
      expect(yield* keepAlive.pingIdle).toBe(0)
      expect(yield* keepAlive.stats).toMatchObject({ active: false, pings: 0, connections_created: 0 })
    }).pipe(Effect.provide(KeepAlive.layerTest))
  )
})

describe("keep-alive carries its owner's reads in pings that are due (TestClock)", () => {
  it.scoped("a read carried by a due ping costs no request of its own, and stands for that ping", () =>
    Effect.gen(function* () {
      const srv = yield* server()
      const { db, keepAlive } = yield* stack(srv.url, { interval_secs: 30 })
      const read = [{ sql: "SELECT 42 AS n", args: [] }]
      yield* db.execute(select1)
      // the connection was just used: no ping is due (half an interval, 15 s), nothing is carried or sent
      expect(Option.isNone(yield* keepAlive.carry(read))).toBe(true)
      expect(srv.stats().requests).toBe(1)
      yield* TestClock.adjust("16 seconds")
      const carried = yield* keepAlive.carry(read)
      expect(Option.map(carried, (results) => results[0]?.rows[0]?.["n"])).toEqual(Option.some(42))
      expect(srv.stats().requests).toBe(2)
      expect((yield* keepAlive.stats).pings).toBe(1)
      // the round at 30 s finds the connection idle 14 s: the carried read was its ping, none is sent
      yield* TestClock.adjust("14 seconds")
      yield* sleep(100)
      expect(srv.stats().requests).toBe(2)
      expect(Option.isNone(yield* keepAlive.carry(read))).toBe(true)
    })
  )

  it.scoped("a passenger rides in the background pings: its statements in place of SELECT 1, one request a round", () =>
    Effect.gen(function* () {
      const srv = yield* server()
      const { db, keepAlive } = yield* stack(srv.url, { interval_secs: 10 })
      const delivered: Array<unknown> = []
      let wanted = true
      yield* keepAlive.board({
        board: () => (wanted ? [{ sql: "SELECT 7 AS n", args: [] }] : undefined),
        deliver: (results) =>
          Effect.sync(() => delivered.push(Option.map(results, (r) => r.map((set) => set.rows[0]?.["n"]))))
      })
      yield* db.execute(select1)
      yield* TestClock.adjust("10 seconds")
      yield* eventually(() => delivered.length === 1)
      expect(delivered).toEqual([Option.some([7])])
      expect(srv.stats().requests).toBe(2) // the read, then one ping carrying the passenger
      wanted = false
      yield* TestClock.adjust("10 seconds")
      yield* eventually(() => srv.stats().requests === 3) // a plain ping: nothing delivered
      expect(delivered.length).toBe(1)
      expect(yield* keepAlive.stats).toMatchObject({ pings: 2, ping_failures: 0 })
    })
  )

  it.scoped("without proactive pings nothing is ever due: nothing is carried", () =>
    Effect.gen(function* () {
      const srv = yield* server()
      const { db, keepAlive } = yield* stack(srv.url, { interval_secs: 30, enable_proactive_ping: false })
      yield* db.execute(select1)
      yield* TestClock.adjust("60 seconds")
      expect(Option.isNone(yield* keepAlive.carry([select1]))).toBe(true)
      expect(srv.stats().requests).toBe(1)
    })
  )
})
