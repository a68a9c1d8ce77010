import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Pool from "../src/Pool.js"
import { pooled, server } from "./support/helpers.js"

const schema = { sql: "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL)", args: [] }
const row = { sql: "INSERT INTO t VALUES (1, 'a')", args: [] }

/** Statements the database refuses, each with the code a remote server (sqld, or the test server) answers. */
const refused = [
  { sql: "INSERT INTO t VALUES (1, 'again')", remote: "SQLITE_CONSTRAINT" },
  { sql: "INSERT INTO t (id) VALUES (2)", remote: "SQLITE_CONSTRAINT" },
  { sql: "SELEC 1", remote: "SQL_PARSE_ERROR" },
  { sql: "SELECT nope FROM t", remote: "SQL_INPUT_ERROR" },
  { sql: "SELECT * FROM missing", remote: "SQLITE_UNKNOWN" }
]

describe("failures classify the same, embedded or remote, on the codes a real server sends", () => {
  it.scopedLive("statement errors are DatabaseError (never retried as unavailable), with primary codes only", () =>
    Effect.gen(function* () {
      const srv = yield* server()
      const remote = (yield* pooled(srv.url)).db
      const embedded = (yield* pooled(yield* Pool.temporaryUrl)).db
      for (const db of [remote, embedded]) {
        yield* db.execute(schema)
        yield* db.execute(row)
      }
      for (const { remote: code, sql } of refused) {
        const fromRemote = yield* Effect.flip(remote.execute({ sql, args: [] }))
        const fromEmbedded = yield* Effect.flip(embedded.execute({ sql, args: [] }))
        expect({ sql, tag: fromRemote._tag, code: fromRemote.code }).toEqual({ sql, tag: "DatabaseError", code })
        expect({ sql, tag: fromEmbedded._tag }).toEqual({ sql, tag: "DatabaseError" })
        // a primary code, never an extended one, on both kinds
        expect(fromEmbedded.code).toMatch(/^SQLITE_[A-Z]+$/)
        if (code.startsWith("SQLITE_CONSTRAINT")) expect(fromEmbedded.code).toBe(code)
      }
      const badArgs = yield* Effect.flip(remote.execute({ sql: "SELECT ?, ?", args: [1] }))
      expect(badArgs).toMatchObject({ _tag: "DatabaseError", code: "ARGS_INVALID" })
      const batch = yield* Effect.flip(
        remote.batch([
          { sql: "INSERT INTO t VALUES (3, 'b')", args: [] },
          { sql: "SELEC", args: [] }
        ])
      )
      expect(batch).toMatchObject({ _tag: "DatabaseError", code: "SQL_PARSE_ERROR" })
    })
  )
})
