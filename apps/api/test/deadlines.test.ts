import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Database } from "@memory-turso/pool"
import { MemoryStore } from "@memory-turso/store"
import { eventually, startTestServer, type TestServer } from "@memory-turso/testkit"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { load } from "../src/config/AppConfig.js"
import { makeOpenApiDocument } from "../src/openapi/OpenApi.js"
import { type RunningServer, startServer } from "../src/Server.js"
import { makeHarness } from "./support/harness.js"

const dir = mkdtempSync(join(tmpdir(), "api-deadlines-"))
let db: TestServer
beforeAll(async () => {
  db = await startTestServer()
})
afterAll(async () => {
  await db.destroy()
  rmSync(dir, { recursive: true, force: true })
})

let files = 0
/**
 * The API over the test server from a TOML file with these sections (keep-alive and the cache off, so every request
 * is one database call and nothing else talks to the database).
 */
const api = async (toml: string): Promise<RunningServer> => {
  const file = join(dir, `config-${++files}.toml`)
  writeFileSync(file, toml)
  const env = { TURSO_DB_URL: db.url, ENABLE_KEEPALIVE: "false", ENABLE_CACHE: "false" }
  const { config } = await Effect.runPromise(load({ file, env }))
  return startServer({
    port: 0,
    host: "127.0.0.1",
    limits: config.limits,
    shutdownGraceMs: 1000,
    storage: MemoryStore.layer(config)
  })
}

const metricsOf = async (server: RunningServer) => (await fetch(`${server.url}/metrics`)).json() as Promise<any>

/** A request's status, `Retry-After` and error code (the body read in full). */
const call = async (server: RunningServer, path: string, init?: RequestInit) => {
  const response = await fetch(`${server.url}${path}`, init)
  const text = await response.text()
  return {
    status: response.status,
    retryAfter: response.headers.get("retry-after"),
    code: text.startsWith("{") ? (JSON.parse(text).error?.code as string | undefined) : undefined,
    message: text.startsWith("{") ? (JSON.parse(text).error?.message as string | undefined) : undefined
  }
}

/** Polls /metrics (at most 500 times) until `check` holds; the last snapshot. */
const metricsReach = async (server: RunningServer, check: (metrics: any) => boolean) => {
  for (let polls = 0; polls < 500; polls++) {
    const metrics = await metricsOf(server)
    if (check(metrics)) return metrics
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  throw new Error("/metrics never reached the expected state")
}

describe("every 503 carries Retry-After", () => {
  it("database_unavailable, the health checks and not_ready; other statuses do not", async () => {
    const h = await makeHarness()
    try {
      expect((await h.request("GET", "/episodes/absent")).headers.get("retry-after")).toBeNull()
      h.outage.on = true
      for (const path of ["/episodes/absent", "/health", "/db-health", "/readyz"]) {
        const answer = await h.request("GET", path)
        expect({ path, status: answer.status, retryAfter: answer.headers.get("retry-after") }).toEqual({
          path,
          status: 503,
          retryAfter: "1"
        })
      }
      h.outage.on = false
      h.lifecycle.drain()
      const draining = await h.request("GET", "/readyz")
      expect([draining.status, draining.json.error.code, draining.headers.get("retry-after")]).toEqual([
        503,
        "not_ready",
        "1"
      ])
      const bad = await h.request("POST", "/episodes", "{")
      expect([bad.status, bad.headers.get("retry-after")]).toEqual([400, null])
    } finally {
      await h.dispose()
    }
  })

  it("the OpenAPI document declares Retry-After on every 503 response", async () => {
    const h = await makeHarness()
    try {
      const document = makeOpenApiDocument(h.routes.specs, { title: "t", version: "0", summary: "s" })
      let declared = 0
      for (const item of Object.values(document.paths)) {
        for (const operation of Object.values(item as Record<string, any>)) {
          const unavailable = operation.responses?.["503"]
          if (unavailable === undefined) continue
          declared++
          expect(unavailable.headers["Retry-After"]).toEqual({ $ref: "#/components/headers/Retry-After" })
        }
      }
      expect(declared).toBeGreaterThan(10)
      expect(document.components.headers["Retry-After"]).toBeDefined()
    } finally {
      await h.dispose()
    }
  })
})

describe("database.request_timeout_secs: a database call past its deadline answers 503 at once", () => {
  it("remote: a call the database never answers ends typed (503 database_unavailable + Retry-After), not retried", async () => {
    // long enough for start-up's calls on a loaded machine; the stalled call waits it out
    const server = await api("[database]\nrequest_timeout_secs = 2\n")
    try {
      await db.fault({ kind: "stall", count: 1 })
      const answer = await call(server, "/episodes/d1")
      expect(answer).toEqual({
        status: 503,
        retryAfter: "1",
        code: "database_unavailable",
        message: "the database did not answer within 2 s; try again"
      })
      const metrics = await metricsOf(server)
      expect(metrics.database.deadline_exceeded).toBe(1)
      // [retry] is on with its defaults (3 retries), and the call was not tried again
      expect(metrics.retry).toMatchObject({ enabled: true, max_retries: 3, retries: 0 })
      expect(metrics.pool).toMatchObject({ active: 0, waiting: 0, connections_replaced: 1 })
      await db.fault({ kind: "resume" })
      expect((await call(server, "/episodes/d1")).status).toBe(404)
    } finally {
      await db.fault({ kind: "resume" })
      await server.close()
    }
  })

  it("embedded: a write waiting for another connection's lock answers 503 once the deadline bounds the wait", async () => {
    const h = await makeHarness({
      databaseUrl: `file:${join(dir, "locked.db")}`,
      configure: (config) => ({ ...config, database: { ...config.database, request_timeout_secs: 0.1 } })
    })
    try {
      // a write transaction on another connection holds the write lock until released
      const release = await Effect.runPromise(Deferred.make<void>())
      const begun = await Effect.runPromise(Deferred.make<void>())
      const holder = h.runtime.runPromise(
        Effect.flatMap(Database.Database, (database) =>
          database.transaction("write", (tx) =>
            tx
              .execute({ sql: "SELECT 1", args: [] })
              .pipe(Effect.zipRight(Deferred.succeed(begun, undefined)), Effect.zipRight(Deferred.await(release)))
          )
        )
      )
      await Effect.runPromise(Deferred.await(begun))
      const locked = await h.request("POST", "/episodes", { episode_id: "e1", task_description: "locked out" })
      expect([locked.status, locked.json.error.code, locked.headers.get("retry-after")]).toEqual([
        503,
        "database_unavailable",
        "1"
      ])
      await Effect.runPromise(Deferred.succeed(release, undefined))
      await holder
      const stored = await h.request("POST", "/episodes", { episode_id: "e1", task_description: "now" })
      expect(stored.status).toBe(200)
    } finally {
      await h.dispose()
    }
  })
})

describe("a saturated pool answers 503 pool_timeout at once", () => {
  it("after connection_timeout_secs, with Retry-After, not retried", async () => {
    const server = await api(
      "[connection_pool]\nmax_connections = 2\nconnection_timeout_secs = 0.3\n[database]\nrequest_timeout_secs = 60\n"
    )
    try {
      await db.fault({ kind: "stall", count: 2 })
      const held = [call(server, "/episodes/h1"), call(server, "/episodes/h2")]
      await metricsReach(server, (m) => m.pool.active === 2)
      const answers = await Promise.all([call(server, "/episodes/w1"), call(server, "/episodes/w2")])
      expect(answers).toEqual([
        { status: 503, retryAfter: "1", code: "pool_timeout", message: "every database connection is busy; try again" },
        { status: 503, retryAfter: "1", code: "pool_timeout", message: "every database connection is busy; try again" }
      ])
      const metrics = await metricsOf(server)
      expect(metrics.pool).toMatchObject({ timeouts: 2, active: 2 })
      expect(metrics.retry.retries).toBe(0)
      await db.fault({ kind: "resume" })
      expect((await Promise.all(held)).map((a) => a.status)).toEqual([404, 404])
    } finally {
      await db.fault({ kind: "resume" })
      await server.close()
    }
  })
})

describe("a client that hangs up interrupts its request and frees its pool slot", () => {
  it("abandoned database calls and pool waits release their slots; the next request does not wait for them", async () => {
    const server = await api(
      "[connection_pool]\nmax_connections = 2\nconnection_timeout_secs = 60\n[database]\nrequest_timeout_secs = 60\n"
    )
    try {
      const before = db.stats().faults_injected.stall
      await db.fault({ kind: "stall", count: 2 })
      const clients = Array.from({ length: 5 }, () => new AbortController())
      const sent = (i: number) =>
        fetch(`${server.url}/episodes/gone-${i}`, { signal: clients[i]!.signal }).then(
          (r) => r.status,
          () => "aborted" as const
        )
      // two requests hold both connections (stalled at the database), three wait in the pool's queue
      const inFlight = [sent(0), sent(1)]
      await Effect.runPromise(eventually(() => db.stats().faults_injected.stall === before + 2))
      inFlight.push(sent(2), sent(3), sent(4))
      const saturated = await metricsReach(server, (m) => m.pool.waiting === 3)
      expect(saturated.pool).toMatchObject({ active: 2, waiting: 3 })
      for (const client of clients) client.abort()
      expect(await Promise.all(inFlight)).toEqual(Array(5).fill("aborted"))
      const freed = await metricsReach(server, (m) => m.pool.active === 0 && m.pool.waiting === 0)
      // the two abandoned requests' connections were discarded (their sockets destroyed), nothing timed out
      expect(freed.pool).toMatchObject({ active: 0, waiting: 0, timeouts: 0, connections_replaced: 2 })
      // the stalled requests are still held at the database, and the next request is answered all the same
      expect(db.stats().faults_injected.stall).toBe(before + 2)
      expect((await call(server, "/episodes/next")).status).toBe(404)
      const route = (await metricsOf(server)).requests["GET /episodes/:id"]
      // five hung up (recorded as 499), one answered 404: client errors, no server error
      expect(route).toMatchObject({ count: 6, client_errors: 6, errors: 0 })
    } finally {
      await db.fault({ kind: "resume" })
      await server.close()
    }
  })
})
