import { existsSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { acquireTestServer, startTestServer, TestServerService } from "../src/index.js"
import { client, failure, run, server } from "./support/helpers.js"

describe("lifecycle", () => {
  it.scopedLive("stop frees the port and loses open transactions; start comes back on the same port and data", () =>
    Effect.gen(function* () {
      const srv = yield* server()
      const db = yield* client(srv)
      yield* run(() => db.execute("CREATE TABLE k (x)"))
      yield* run(() => db.execute("INSERT INTO k VALUES (1)"))
      const tx = yield* run(() => db.transaction("write"))
      yield* run(() => tx.execute("INSERT INTO k VALUES (2)"))
      const port = srv.port
      yield* run(() => srv.stop())
      expect(srv.running).toBe(false)
      expect(srv.stats()).toMatchObject({ sockets_open: 0, streams_open: 0 })
      const refused = yield* failure(() => db.execute("SELECT 1"))
      expect(refused).toBeInstanceOf(Error)
      yield* run(() => srv.start())
      expect(srv.port).toBe(port)
      const rows = yield* run(() => db.execute("SELECT x FROM k"))
      expect(rows.rows.map((r) => r[0])).toEqual([1])
      yield* failure(() => tx.commit())
      yield* run(() => srv.restart())
      expect((yield* run(() => db.execute("SELECT count(*) FROM k"))).rows[0]?.[0]).toBe(1)
    })
  )

  it.scopedLive("the scoped wrapper destroys the server and its temporary database with its scope", () =>
    Effect.gen(function* () {
      const [url, dbPath] = yield* Effect.scoped(
        Effect.gen(function* () {
          const srv = yield* acquireTestServer()
          expect(existsSync(srv.dbPath)).toBe(true)
          return [srv.url, srv.dbPath] as const
        })
      )
      expect(existsSync(dbPath)).toBe(false)
      const refused = yield* failure(() => fetch(`${url}/health`))
      expect((refused as { cause?: { code?: string } }).cause?.code).toBe("ECONNREFUSED")
    })
  )

  it.scopedLive("a file database outlives the server", () =>
    Effect.gen(function* () {
      const dir = mkdtempSync(join(tmpdir(), "testkit-file-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
      const file = `file:${join(dir, "data.db")}`
      const first = yield* run(() => startTestServer({ db: file }))
      const a = yield* client(first)
      yield* run(() => a.execute("CREATE TABLE f (x)"))
      yield* run(() => a.execute("INSERT INTO f VALUES ('kept')"))
      yield* run(() => first.destroy())
      expect(existsSync(join(dir, "data.db"))).toBe(true)
      const second = yield* server({ db: file })
      const b = yield* client(second)
      expect((yield* run(() => b.execute("SELECT x FROM f"))).rows[0]?.[0]).toBe("kept")
    })
  )

  it.scopedLive("a database spec without a path is an InvalidInputError; an unopenable file a TestServerError", () =>
    Effect.gen(function* () {
      const invalid = yield* failure(() => startTestServer({ db: "file:" }))
      expect(invalid).toMatchObject({ _tag: "InvalidInputError", code: "INVALID_DATABASE" })
      const typed = yield* Effect.flip(acquireTestServer({ db: "file:?mode=rw" }))
      expect(typed._tag).toBe("InvalidInputError")
      const dir = mkdtempSync(join(tmpdir(), "testkit-unopenable-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
      // a directory where the database file should be
      const unopenable = yield* Effect.flip(acquireTestServer({ db: `file:${dir}` }))
      expect(unopenable._tag).toBe("TestServerError")
    })
  )

  it.scopedLive("a taken port is a TestServerError", () =>
    Effect.gen(function* () {
      const srv = yield* server()
      const error = yield* Effect.flip(acquireTestServer({ port: srv.port }))
      expect(error._tag).toBe("TestServerError")
      expect(error.message).toContain(String(srv.port))
    })
  )
})

// excludeTestServices: the server runs on real timers, so the test uses the live clock
layer(TestServerService.layer({ network: { rtt_ms: 1 } }), { excludeTestServices: true })(
  "TestServerService.layer",
  (it) => {
    it.scoped("provides the running server", () =>
      Effect.gen(function* () {
        const srv = yield* TestServerService
        expect(srv.running).toBe(true)
        expect(srv.config().rtt_ms).toBe(1)
        const db = yield* client(srv)
        expect((yield* run(() => db.execute("SELECT 40 + 2"))).rows[0]?.[0]).toBe(42)
      })
    )
  }
)
