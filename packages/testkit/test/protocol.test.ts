import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { fetch as undiciFetch } from "undici"
import { agent, pipeline, run, server } from "./support/helpers.js"

const int = (value: number | bigint) => ({ type: "integer", value: String(value) })
const stmt = (sql: string, args: Array<unknown> = []) => ({ sql, args, want_rows: true })
type Results = Array<{ type: string; response?: Record<string, unknown>; error?: { code: string } }>

/** The statement result of request `i` (fails the test when that request did not succeed). */
const resultAt = (results: Results, i: number): { cols: unknown; rows: unknown } => {
  const result = results[i]?.response?.result
  if (result === undefined) throw new Error(`Request ${i} has no result: ${JSON.stringify(results[i])}`)
  return result as { cols: unknown; rows: unknown }
}

describe("Hrana over HTTP, raw", () => {
  it.scopedLive("batons are single-use; a closed stream's baton is refused with 400", () =>
    Effect.gen(function* () {
      const srv = yield* server()
      const opened = yield* pipeline(srv, { baton: null, requests: [{ type: "execute", stmt: stmt("SELECT 1") }] })
      expect(opened.status).toBe(200)
      const baton = opened.body.baton as string
      expect(typeof baton).toBe("string")
      expect(opened.body.base_url).toBeNull()
      const next = yield* pipeline(srv, { baton, requests: [] })
      expect(next.status).toBe(200)
      expect(next.body.baton).not.toBe(baton)
      const reused = yield* pipeline(srv, { baton, requests: [] })
      expect(reused).toMatchObject({ status: 400, body: { code: "BATON_REUSED" } })
      const closed = yield* pipeline(srv, { baton: next.body.baton, requests: [{ type: "close" }, { type: "close" }] })
      expect(closed.body.baton).toBeNull()
      expect((closed.body.results as Results).map((r) => r.type)).toEqual(["ok", "error"])
      expect((closed.body.results as Results)[1]?.error?.code).toBe("STREAM_CLOSED")
      const gone = yield* pipeline(srv, { baton: next.body.baton, requests: [] })
      expect(gone).toMatchObject({ status: 400, body: { code: "STREAM_NOT_FOUND" } })
      const forged = yield* pipeline(srv, { baton: "999.abc", requests: [] })
      expect(forged.status).toBe(400)
      const stats = srv.stats()
      expect(stats).toMatchObject({ streams_opened: 1, streams_closed: 1, streams_open: 0, requests: 6 })
    })
  )

  it.scopedLive("bytes_received and bytes_sent count request and response bodies exactly", () =>
    Effect.gen(function* () {
      const srv = yield* server()
      const body = JSON.stringify({ requests: [{ type: "execute", stmt: stmt("SELECT 'héllo'") }, { type: "close" }] })
      const text = yield* run(async () => {
        const response = await fetch(`${srv.url}/v2/pipeline`, { method: "POST", body })
        return response.text()
      })
      expect(srv.stats().bytes_received).toBe(Buffer.byteLength(body))
      expect(srv.stats().bytes_sent).toBe(Buffer.byteLength(text))
      yield* run(() => fetch(`${srv.url}/_sim/stats`).then((r) => r.text()))
      expect(srv.stats().bytes_sent).toBe(Buffer.byteLength(text))
    })
  )

  it.scopedLive("a body over max_body_bytes is answered 413 BODY_TOO_LARGE; the socket serves the next request", () =>
    Effect.gen(function* () {
      const srv = yield* server({ network: { max_body_bytes: 1024 } })
      const dispatcher = yield* agent({ connections: 1 })
      const post = (body: unknown) =>
        run(async () => {
          const response = await undiciFetch(`${srv.url}/v2/pipeline`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify(body),
            dispatcher
          })
          return { status: response.status, body: (await response.json()) as Record<string, unknown> }
        })
      const big = { requests: [{ type: "execute", stmt: stmt(`SELECT '${"x".repeat(2048)}'`) }, { type: "close" }] }
      const refused = yield* post(big)
      expect(refused).toMatchObject({ status: 413, body: { code: "BODY_TOO_LARGE" } })
      expect(refused.body.message).toContain("over 1024 bytes")
      const small = yield* post({ requests: [{ type: "execute", stmt: stmt("SELECT 1") }, { type: "close" }] })
      expect(small.status).toBe(200)
      // both counted as pipeline requests, on one socket; nothing of the big one reached the database
      expect(srv.stats()).toMatchObject({ requests: 2, statements_executed: 1, sockets_accepted: 1, sockets_open: 1 })
      srv.configure({ max_body_bytes: 4096 })
      expect((yield* post(big)).status).toBe(200)
      expect(() => srv.configure({ max_body_bytes: 0 })).toThrow("max_body_bytes must be a number from 1")
    })
  )

  it.scopedLive("batch conditions: ok, error, not, and, or, is_autocommit", () =>
    Effect.gen(function* () {
      const srv = yield* server()
      const steps = [
        { stmt: stmt("SELECT 1") },
        { stmt: stmt("SELECT * FROM missing") },
        { condition: { type: "ok", step: 0 }, stmt: stmt("SELECT 'ok0'") },
        { condition: { type: "ok", step: 1 }, stmt: stmt("SELECT 'ok1'") },
        { condition: { type: "error", step: 1 }, stmt: stmt("SELECT 'error1'") },
        { condition: { type: "not", cond: { type: "ok", step: 1 } }, stmt: stmt("SELECT 'not-ok1'") },
        {
          condition: {
            type: "and",
            conds: [
              { type: "ok", step: 0 },
              { type: "ok", step: 1 }
            ]
          },
          stmt: stmt("SELECT 'and'")
        },
        {
          condition: {
            type: "or",
            conds: [
              { type: "ok", step: 0 },
              { type: "ok", step: 1 }
            ]
          },
          stmt: stmt("SELECT 'or'")
        },
        { condition: { type: "is_autocommit" }, stmt: stmt("BEGIN") },
        { condition: { type: "is_autocommit" }, stmt: stmt("SELECT 'still autocommit'") },
        { condition: { type: "not", cond: { type: "is_autocommit" } }, stmt: stmt("ROLLBACK") },
        { condition: { type: "ok", step: 3 }, stmt: stmt("SELECT 'skipped step is not ok'") }
      ]
      const res = yield* pipeline(srv, { requests: [{ type: "batch", batch: { steps } }, { type: "close" }] })
      const result = (res.body.results as Results)[0]?.response?.result as {
        step_results: Array<{ rows: Array<Array<{ value: unknown }>> } | null>
        step_errors: Array<{ code: string } | null>
      }
      const ran = result.step_results.map((r) => (r === null ? null : (r.rows[0]?.[0]?.value ?? "no rows")))
      expect(ran).toEqual(["1", null, "ok0", null, "error1", "not-ok1", null, "or", "no rows", null, "no rows", null])
      // a missing table is SQLITE_ERROR without an offset: sqld names it SQLITE_UNKNOWN
      expect(result.step_errors.map((e) => e?.code ?? null)).toEqual([null, "SQLITE_UNKNOWN", ...Array(10).fill(null)])
      expect(srv.stats().statements_executed).toBe(8)
      const bad = yield* pipeline(srv, {
        requests: [
          { type: "batch", batch: { steps: [{ condition: { type: "ok", step: 0 }, stmt: stmt("SELECT 1") }] } }
        ]
      })
      expect((bad.body.results as Results)[0]?.error?.code).toBe("BATCH_COND_BAD_STEP")
    })
  )

  it.scopedLive(
    "statement errors carry sqld's codes and messages: primary SQLite codes, parse, input and argument errors",
    () =>
      Effect.gen(function* () {
        const srv = yield* server()
        const setup = yield* pipeline(srv, {
          requests: [
            { type: "execute", stmt: stmt("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)") },
            { type: "execute", stmt: stmt("INSERT INTO t VALUES (1, 'a')") },
            { type: "close" }
          ]
        })
        expect((setup.body.results as Results).map((r) => r.type)).toEqual(["ok", "ok", "ok"])
        const cases: Array<[unknown, string, string]> = [
          [stmt("INSERT INTO t VALUES (1, 'b')"), "SQLITE_CONSTRAINT", "SQLite error: UNIQUE constraint failed: t.id"],
          [
            stmt("INSERT INTO t VALUES (2, 'a')"),
            "SQLITE_CONSTRAINT",
            "SQLite error: UNIQUE constraint failed: t.name"
          ],
          [
            stmt("INSERT INTO t (id) VALUES (3)"),
            "SQLITE_CONSTRAINT",
            "SQLite error: NOT NULL constraint failed: t.name"
          ],
          [stmt("SELECT * FROM missing"), "SQLITE_UNKNOWN", "SQLite error: no such table: missing"],
          [stmt("SELEC 1"), "SQL_PARSE_ERROR", 'SQL string could not be parsed: near "SELEC": syntax error'],
          [stmt("SELECT (1"), "SQL_PARSE_ERROR", "SQL string could not be parsed: incomplete input"],
          [stmt("SELECT nope FROM t"), "SQL_INPUT_ERROR", "SQL input error: no such column: nope (at offset 7)"],
          [
            stmt("SELECT id, nofunc(id) FROM t"),
            "SQL_INPUT_ERROR",
            "SQL input error: no such function: nofunc (at offset 11)"
          ],
          [stmt("  -- nothing\n"), "SQL_NO_STATEMENT", "SQL string does not contain any statement"],
          [stmt("SELECT 1; SELECT 2"), "SQL_MANY_STATEMENTS", "SQL string contains more than one statement"],
          [
            { sql: "SELECT ?, :a", args: [int(1)], named_args: [{ name: "a", value: int(2) }] },
            "ARGS_BOTH_POSITIONAL_AND_NAMED",
            "Specifying both positional and named arguments is not supported"
          ],
          [
            stmt("SELECT ?", [int(1), int(2)]),
            "ARGS_INVALID",
            "Arguments do not match SQL parameters: too many parameters, expected 1 found 2"
          ],
          [
            stmt("SELECT ?, ?", [int(1)]),
            "ARGS_INVALID",
            "Arguments do not match SQL parameters: value for parameter 2 not found"
          ],
          [
            { sql: "SELECT :a, :b", named_args: [{ name: "a", value: int(1) }] },
            "ARGS_INVALID",
            "Arguments do not match SQL parameters: value for parameter :b not found"
          ]
        ]
        const res = yield* pipeline(srv, { requests: cases.map(([s]) => ({ type: "execute", stmt: s })) })
        const errors = (res.body.results as Array<{ error?: { code: string; message: string } }>).map((r) => r.error)
        expect(errors).toEqual(cases.map(([, code, message]) => ({ code, message })))
        // never an extended code: what a real server sends is all a client ever sees
        expect(errors.some((e) => /^SQLITE_[A-Z]+_/.test(e?.code ?? ""))).toBe(false)
      })
  )

  it.scopedLive(
    "a batch is checked whole before it runs: a step sqld cannot parse fails the request, nothing runs",
    () =>
      Effect.gen(function* () {
        const srv = yield* server()
        yield* pipeline(srv, { requests: [{ type: "execute", stmt: stmt("CREATE TABLE t (x)") }, { type: "close" }] })
        srv.resetStats()
        const steps = (second: unknown) => ({
          steps: [{ stmt: stmt("INSERT INTO t VALUES (1)") }, { condition: { type: "ok", step: 0 }, stmt: second }]
        })
        const res = yield* pipeline(srv, {
          requests: [
            { type: "batch", batch: steps(stmt("INSERT INTO t VALUES (")) },
            { type: "batch", batch: steps(stmt("SELECT 1; SELECT 2")) },
            {
              type: "batch",
              batch: steps({ sql: "SELECT ?", args: [int(1)], named_args: [{ name: "a", value: int(1) }] })
            },
            // a step that fails as it runs is a step error: the earlier step ran
            { type: "batch", batch: steps(stmt("INSERT INTO nope VALUES (1)")) },
            { type: "execute", stmt: stmt("SELECT count(*) FROM t") }
          ]
        })
        const results = res.body.results as Results
        expect(results.slice(0, 3).map((r) => r.error?.code)).toEqual([
          "SQL_PARSE_ERROR",
          "SQL_MANY_STATEMENTS",
          "ARGS_BOTH_POSITIONAL_AND_NAMED"
        ])
        const ran = results[3]?.response?.result as { step_errors: Array<{ code: string } | null> }
        expect(ran.step_errors.map((e) => e?.code ?? null)).toEqual([null, "SQLITE_UNKNOWN"])
        expect(resultAt(results, 4).rows).toEqual([[int(1)]])
        // the three refused batches ran nothing: two statements of the fourth and the count
        expect(srv.stats().statements_executed).toBe(3)
      })
  )

  it.scopedLive("a sequence sqld cannot parse runs nothing; a failing statement stops it as a SQLite error", () =>
    Effect.gen(function* () {
      const srv = yield* server()
      const res = yield* pipeline(srv, {
        requests: [
          { type: "sequence", sql: "CREATE TABLE a (x); INSERT INTO a VALUES (1); SELEC 2;" },
          { type: "sequence", sql: "CREATE TABLE b (x); INSERT INTO nope VALUES (1); CREATE TABLE c (x);" },
          { type: "execute", stmt: stmt("SELECT name FROM sqlite_schema ORDER BY name") }
        ]
      })
      const results = res.body.results as Array<{ error?: { code: string; message: string } } & Results[number]>
      expect(results[0]?.error?.code).toBe("SQL_PARSE_ERROR")
      expect(results[1]?.error).toEqual({ code: "SQLITE_UNKNOWN", message: "SQLite error: no such table: nope" })
      expect(resultAt(results, 2).rows).toEqual([[{ type: "text", value: "b" }]])
    })
  )

  it.scopedLive("store_sql / close_sql / sql_id, want_rows, get_autocommit and request errors", () =>
    Effect.gen(function* () {
      const srv = yield* server()
      const res = yield* pipeline(srv, {
        requests: [
          { type: "store_sql", sql_id: 1, sql: "SELECT ? + 1" },
          { type: "store_sql", sql_id: 1, sql: "SELECT 2" },
          { type: "execute", stmt: { sql_id: 1, args: [int(41)] } },
          { type: "execute", stmt: { sql_id: 1, args: [int(1)], want_rows: false } },
          { type: "close_sql", sql_id: 1 },
          { type: "execute", stmt: { sql_id: 1, args: [] } },
          { type: "execute", stmt: { sql: "SELECT 1; SELECT 2" } },
          { type: "execute", stmt: { sql: "  -- nothing\n" } },
          { type: "execute", stmt: { sql: "SELECT 1", sql_id: 2 } },
          { type: "execute", stmt: { sql: "SELECT ?", args: [{ type: "integer", value: "9223372036854775808" }] } },
          { type: "get_autocommit" },
          { type: "describe", sql: "SELECT 1" },
          { type: "bogus" }
        ]
      })
      const results = res.body.results as Results
      const summary = results.map((r) => (r.type === "ok" ? r.response?.type : r.error?.code))
      expect(summary).toEqual([
        "store_sql",
        "SQL_EXISTS",
        "execute",
        "execute",
        "close_sql",
        "SQL_NOT_FOUND",
        "SQL_MANY_STATEMENTS",
        "SQL_NO_STATEMENT",
        "INVALID_REQUEST",
        "ARGS_INVALID",
        "get_autocommit",
        "NOT_SUPPORTED",
        "INVALID_REQUEST"
      ])
      expect(resultAt(results, 2)).toMatchObject({ cols: [{ name: "? + 1", decltype: null }], rows: [[int(42)]] })
      expect(resultAt(results, 3).rows).toEqual([])
      expect(results[10]?.response?.is_autocommit).toBe(true)
      expect(srv.stats().requests_by_type).toMatchObject({
        store_sql: 2,
        close_sql: 1,
        execute: 7,
        get_autocommit: 1,
        describe: 1,
        unknown: 1
      })
      const notJson = yield* run(() => fetch(`${srv.url}/v2/pipeline`, { method: "POST", body: "{" }))
      expect(notJson.status).toBe(400)
      const v2 = yield* run(() => fetch(`${srv.url}/v2`))
      expect(v2.status).toBe(200)
      const unknown = yield* run(() => fetch(`${srv.url}/v3/pipeline`, { method: "POST", body: "{}" }))
      expect(unknown.status).toBe(404)
      expect(srv.stats().other_requests).toBe(2)
    })
  )

  it.scopedLive("a transaction on one stream does not leak into another", () =>
    Effect.gen(function* () {
      const srv = yield* server()
      yield* pipeline(srv, { requests: [{ type: "execute", stmt: stmt("CREATE TABLE t (x)") }, { type: "close" }] })
      const a = yield* pipeline(srv, {
        requests: [
          { type: "execute", stmt: stmt("BEGIN") },
          { type: "execute", stmt: stmt("INSERT INTO t VALUES (1)") },
          { type: "get_autocommit" }
        ]
      })
      expect((a.body.results as Results)[2]?.response?.is_autocommit).toBe(false)
      const b = yield* pipeline(srv, {
        requests: [{ type: "get_autocommit" }, { type: "execute", stmt: stmt("SELECT count(*) FROM t") }]
      })
      const bResults = b.body.results as Results
      expect(bResults[0]?.response?.is_autocommit).toBe(true)
      expect(resultAt(bResults, 1).rows).toEqual([[int(0)]])
      const closeA = yield* pipeline(srv, { baton: a.body.baton, requests: [{ type: "close" }] })
      expect(closeA.status).toBe(200)
      const after = yield* pipeline(srv, {
        baton: b.body.baton,
        requests: [{ type: "execute", stmt: stmt("SELECT count(*) FROM t") }]
      })
      expect(resultAt(after.body.results as Results, 0).rows).toEqual([[int(0)]])
    })
  )
})
