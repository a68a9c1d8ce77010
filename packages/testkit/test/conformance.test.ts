import { describe, expect, it } from "@effect/vitest"
import { LibsqlBatchError, type LibsqlError } from "@libsql/client"
import * as Effect from "effect/Effect"
import { cells, client, failure, run, server } from "./support/helpers.js"

const schema = "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, score REAL, data BLOB)"

describe("@libsql/client against the test server", () => {
  it.scopedLive("execute: one pipeline request (execute + close), rows, columns and decltypes", () =>
    Effect.gen(function* () {
      const srv = yield* server()
      const db = yield* client(srv)
      yield* run(() => db.execute(schema))
      srv.resetStats()
      const inserted = yield* run(() =>
        db.execute({ sql: "INSERT INTO t (name, score) VALUES (?, ?)", args: ["a", 2.5] })
      )
      expect(inserted.rowsAffected).toBe(1)
      expect(inserted.lastInsertRowid).toBe(1n)
      const rs = yield* run(() => db.execute("SELECT id, name, score, 1 + 1 AS two FROM t"))
      expect(rs.columns).toEqual(["id", "name", "score", "two"])
      expect(rs.columnTypes).toEqual(["INTEGER", "TEXT", "REAL", ""])
      expect(rs.rows.map(cells)).toEqual([[1, "a", 2.5, 2]])
      expect(rs.rowsAffected).toBe(0)
      expect(rs.lastInsertRowid).toBeUndefined()
      const stats = srv.stats()
      expect(stats.requests).toBe(2)
      expect(stats.requests_by_type).toMatchObject({ execute: 2, close: 2, batch: 0 })
      expect(stats.statements_executed).toBe(2)
      expect(stats.streams_opened).toBe(2)
      expect(stats.streams_open).toBe(0)
    })
  )

  it.scopedLive("batch in write, read and deferred modes: one request each, BEGIN + statements + COMMIT", () =>
    Effect.gen(function* () {
      const srv = yield* server()
      const db = yield* client(srv)
      yield* run(() => db.execute(schema))
      for (const mode of ["write", "deferred"] as const) {
        srv.resetStats()
        const results = yield* run(() =>
          db.batch(
            [
              { sql: "INSERT INTO t (name) VALUES (?)", args: [`${mode}-1`] },
              { sql: "INSERT INTO t (name) VALUES (?)", args: [`${mode}-2`] },
              "SELECT count(*) AS n FROM t"
            ],
            mode
          )
        )
        expect(results.map((r) => r.rowsAffected)).toEqual([1, 1, 0])
        const stats = srv.stats()
        expect(stats.requests).toBe(1)
        // two distinct SQL texts are stored; BEGIN, 3 statements, COMMIT run; ROLLBACK is skipped
        expect(stats.requests_by_type).toMatchObject({ store_sql: 2, batch: 1, close: 1 })
        expect(stats.statements_executed).toBe(5)
      }
      const read = yield* run(() => db.batch(["SELECT count(*) AS n FROM t", "SELECT max(id) AS m FROM t"], "read"))
      expect(read.map((r) => r.rows[0]?.[0])).toEqual([4, 4])
      const writeInRead = yield* failure(() => db.batch(["INSERT INTO t (name) VALUES ('no')"], "read"))
      expect(writeInRead).toBeInstanceOf(LibsqlBatchError)
      expect((writeInRead as LibsqlError).code).toBe("SQLITE_READONLY")
      // the read-only guard ends with its transaction: the same pooled connections write again
      for (let i = 0; i < 3; i++)
        yield* run(() => db.execute({ sql: "INSERT INTO t (name) VALUES (?)", args: [`w${i}`] }))
    })
  )

  it.scopedLive("an error inside a batch rolls the whole batch back", () =>
    Effect.gen(function* () {
      const srv = yield* server()
      const db = yield* client(srv)
      yield* run(() => db.execute(schema))
      yield* run(() => db.execute("INSERT INTO t (id, name) VALUES (1, 'taken')"))
      const error = yield* failure(() =>
        db.batch(["INSERT INTO t (name) VALUES ('new')", "INSERT INTO t (id, name) VALUES (1, 'dup')"], "write")
      )
      expect(error).toBeInstanceOf(LibsqlBatchError)
      expect((error as LibsqlBatchError).statementIndex).toBe(1)
      // sqld sends the primary code only, and prefixes SQLite's message
      expect((error as LibsqlBatchError).code).toBe("SQLITE_CONSTRAINT")
      expect((error as LibsqlBatchError).extendedCode).toBeUndefined()
      expect((error as LibsqlBatchError).message).toMatch(/SQLite error: UNIQUE constraint failed: t\.id$/)
      const rows = yield* run(() => db.execute("SELECT name FROM t ORDER BY id"))
      expect(rows.rows.map((r) => r[0])).toEqual(["taken"])
      const unique = yield* failure(() => db.execute("INSERT INTO t (name) VALUES ('taken')"))
      expect((unique as LibsqlError).code).toBe("SQLITE_CONSTRAINT")
      // text sqld cannot parse never reaches SQLite: its own code
      const syntax = yield* failure(() => db.execute("SELEC 1"))
      expect((syntax as LibsqlError).code).toBe("SQL_PARSE_ERROR")
      expect((syntax as LibsqlError).message).toMatch(
        /^SQL_PARSE_ERROR: SQL string could not be parsed: .*syntax error/
      )
    })
  )

  it.scopedLive("interactive transactions: commit keeps, rollback discards, isolation from other streams", () =>
    Effect.gen(function* () {
      const srv = yield* server()
      const db = yield* client(srv)
      yield* run(() => db.execute(schema))
      srv.resetStats()
      const tx = yield* run(() => db.transaction("write"))
      yield* run(() => tx.execute("INSERT INTO t (name) VALUES ('committed')"))
      yield* run(() => tx.execute("INSERT INTO t (name) VALUES ('committed-2')"))
      // another stream does not see the uncommitted rows (each stream has its own connection)
      const outside = yield* run(() => db.execute("SELECT count(*) FROM t"))
      expect(outside.rows[0]?.[0]).toBe(0)
      const inside = yield* run(() => tx.execute("SELECT count(*) FROM t"))
      expect(inside.rows[0]?.[0]).toBe(2)
      yield* run(() => tx.commit())
      // BEGIN rides with the first statement: 3 statement calls + commit = 4 requests, plus the outside read
      expect(srv.stats().requests).toBe(5)
      const rolledBack = yield* run(() => db.transaction("write"))
      yield* run(() => rolledBack.execute("INSERT INTO t (name) VALUES ('rolled-back')"))
      yield* run(() => rolledBack.rollback())
      const names = yield* run(() => db.execute("SELECT name FROM t ORDER BY id"))
      expect(names.rows.map((r) => r[0])).toEqual(["committed", "committed-2"])
      expect(srv.stats().streams_open).toBe(0)
    })
  )

  it.scopedLive("a writer waits for another stream's write transaction instead of failing", () =>
    Effect.gen(function* () {
      const srv = yield* server()
      const db = yield* client(srv)
      yield* run(() => db.execute(schema))
      const tx = yield* run(() => db.transaction("write"))
      yield* run(() => tx.execute("INSERT INTO t (name) VALUES ('first')"))
      const waiting = db.execute("INSERT INTO t (name) VALUES ('second')")
      yield* Effect.sleep("50 millis")
      yield* run(() => tx.commit())
      yield* run(() => waiting)
      const names = yield* run(() => db.execute("SELECT name FROM t ORDER BY id"))
      expect(names.rows.map((r) => r[0])).toEqual(["first", "second"])
    })
  )

  it.scopedLive("busy_timeout_ms bounds that wait: SQLITE_BUSY once it passes", () =>
    Effect.gen(function* () {
      const srv = yield* server({ network: { busy_timeout_ms: 30 } })
      const db = yield* client(srv)
      yield* run(() => db.execute(schema))
      const tx = yield* run(() => db.transaction("write"))
      yield* run(() => tx.execute("INSERT INTO t (name) VALUES ('holder')"))
      const busy = yield* failure(() => db.execute("INSERT INTO t (name) VALUES ('blocked')"))
      expect((busy as LibsqlError).code).toBe("SQLITE_BUSY")
      yield* run(() => tx.commit())
      yield* run(() => db.execute("INSERT INTO t (name) VALUES ('after')"))
      const count = yield* run(() => db.execute("SELECT count(*) FROM t"))
      expect(count.rows[0]?.[0]).toBe(2)
    })
  )

  it.scopedLive("executeMultiple runs every statement in one sequence request", () =>
    Effect.gen(function* () {
      const srv = yield* server()
      const db = yield* client(srv)
      yield* run(() =>
        db.executeMultiple(`
          CREATE TABLE a (x INTEGER);
          CREATE TABLE log (msg TEXT);
          CREATE TRIGGER a_log AFTER INSERT ON a BEGIN INSERT INTO log VALUES ('one; two'); END;
          INSERT INTO a VALUES (1); -- a comment; with a semicolon
          INSERT INTO a VALUES (2);
        `)
      )
      const stats = srv.stats()
      expect(stats.requests).toBe(1)
      expect(stats.requests_by_type.sequence).toBe(1)
      expect(stats.statements_executed).toBe(5)
      const log = yield* run(() => db.execute("SELECT msg FROM log"))
      expect(log.rows.map((r) => r[0])).toEqual(["one; two", "one; two"])
      const broken = yield* failure(() => db.executeMultiple("INSERT INTO a VALUES (3); INSERT INTO nope VALUES (1);"))
      // SQLITE_ERROR has no name in sqld (rusqlite's ErrorCode::Unknown): SQLITE_UNKNOWN
      expect((broken as LibsqlError).code).toBe("SQLITE_UNKNOWN")
      expect((broken as LibsqlError).message).toBe("SQLITE_UNKNOWN: SQLite error: no such table: nope")
      const count = yield* run(() => db.execute("SELECT count(*) FROM a"))
      expect(count.rows[0]?.[0]).toBe(3)
    })
  )

  it.scopedLive("every value type round-trips exactly, 64-bit integers included", () =>
    Effect.gen(function* () {
      const srv = yield* server()
      const db = yield* client(srv, { intMode: "bigint" })
      yield* run(() => db.execute("CREATE TABLE v (i INTEGER, f REAL, t TEXT, b BLOB, n)"))
      const big = 9223372036854775807n
      const blob = new Uint8Array([0, 1, 2, 253, 254, 255])
      yield* run(() =>
        db.execute({ sql: "INSERT INTO v VALUES (?, ?, ?, ?, ?)", args: [big, 0.1, "héllo ✓", blob, null] })
      )
      yield* run(() =>
        db.execute({ sql: "INSERT INTO v VALUES (?, ?, ?, ?, ?)", args: [-(2n ** 63n), 7, "", new Uint8Array(), true] })
      )
      const rs = yield* run(() => db.execute("SELECT i, f, t, b, n, typeof(f), typeof(n) FROM v ORDER BY rowid"))
      const [first, second] = rs.rows
      expect(first?.[0]).toBe(big)
      expect(first?.[1]).toBe(0.1)
      expect(first?.[2]).toBe("héllo ✓")
      expect(new Uint8Array(first?.[3] as ArrayBuffer)).toEqual(blob)
      expect(first?.[4]).toBeNull()
      expect(second?.[0]).toBe(-(2n ** 63n))
      // a JS number travels as a float: 7 is stored as REAL 7.0 in the REAL column and comes back as a float
      expect(second?.[1]).toBe(7)
      expect(second?.[5]).toBe("real")
      // a boolean travels as integer 1
      expect(second?.[4]).toBe(1n)
      expect(second?.[6]).toBe("integer")
      expect(new Uint8Array(second?.[3] as ArrayBuffer)).toEqual(new Uint8Array())
      const named = yield* run(() =>
        db.execute({ sql: "SELECT :a AS a, @b AS b, $c AS c", args: { a: 1n, "@b": "x", c: null } })
      )
      expect(cells(named.rows[0])).toEqual([1n, "x", null])
      const numbered = yield* run(() => db.execute({ sql: "SELECT ?2 AS two, ?1 AS one", args: ["a", "b"] }))
      expect(cells(numbered.rows[0])).toEqual(["b", "a"])
      // as sqld binds: too many arguments, or a parameter without a value (never a silent NULL), is ARGS_INVALID
      const tooMany = yield* failure(() => db.execute({ sql: "SELECT ?", args: [1, 2] }))
      expect((tooMany as LibsqlError).message).toBe(
        "ARGS_INVALID: Arguments do not match SQL parameters: too many parameters, expected 1 found 2"
      )
      const tooFew = yield* failure(() => db.execute({ sql: "SELECT ?, ?", args: [1] }))
      expect((tooFew as LibsqlError).message).toBe(
        "ARGS_INVALID: Arguments do not match SQL parameters: value for parameter 2 not found"
      )
      const unknownName = yield* failure(() => db.execute({ sql: "SELECT :a", args: { b: 1 } }))
      expect((unknownName as LibsqlError).message).toBe(
        "ARGS_INVALID: Arguments do not match SQL parameters: value for parameter :a not found"
      )
      const positionalForNamed = yield* failure(() => db.execute({ sql: "SELECT :a", args: [1] }))
      expect((positionalForNamed as LibsqlError).code).toBe("ARGS_INVALID")
    })
  )

  it.scopedLive("more than 30 distinct SQL texts on one stream evict the client's cache: close_sql", () =>
    Effect.gen(function* () {
      const srv = yield* server()
      const db = yield* client(srv)
      yield* run(() => db.execute("CREATE TABLE c (x INTEGER)"))
      srv.resetStats()
      const tx = yield* run(() => db.transaction("write"))
      for (let i = 0; i < 35; i++) {
        const rs = yield* run(() => tx.execute({ sql: `INSERT INTO c (x) VALUES (? + ${i})`, args: [1000] }))
        expect(rs.rowsAffected).toBe(1)
      }
      yield* run(() => tx.commit())
      const stats = srv.stats()
      expect(stats.requests_by_type.store_sql).toBe(35)
      expect(stats.requests_by_type.close_sql).toBe(5)
      const sum = yield* run(() => db.execute("SELECT count(*), sum(x) FROM c"))
      expect(cells(sum.rows[0])).toEqual([35, 35 * 1000 + (34 * 35) / 2])
    })
  )

  it.scopedLive("auth: the right token passes, a wrong or missing token gets 401 and is counted", () =>
    Effect.gen(function* () {
      const srv = yield* server({ authToken: "s3cret-token" })
      const good = yield* client(srv, { authToken: "s3cret-token" })
      const rs = yield* run(() => good.execute("SELECT 1"))
      expect(rs.rows[0]?.[0]).toBe(1)
      const wrong = yield* client(srv, { authToken: "wrong" })
      const wrongError = yield* failure(() => wrong.execute("SELECT 1"))
      expect((wrongError as LibsqlError).code).toBe("UNAUTHORIZED")
      expect((wrongError as Error).message).not.toContain("s3cret")
      const missing = yield* client(srv)
      const missingError = yield* failure(() => missing.execute("SELECT 1"))
      expect((missingError as LibsqlError).code).toBe("UNAUTHORIZED")
      const stats = srv.stats()
      expect(stats.auth_failures).toBe(2)
      expect(stats.requests).toBe(3)
      expect(stats.statements_executed).toBe(1)
      const probe = yield* run(() => fetch(`${srv.url}/v2`))
      expect(probe.status).toBe(401)
      const health = yield* run(() => fetch(`${srv.url}/health`))
      expect(health.status).toBe(200)
    })
  )
})
