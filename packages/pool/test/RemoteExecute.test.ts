import { describe, expect, it } from "@effect/vitest"
import { createClient, LibsqlError, type ResultSet } from "@libsql/client"
import * as Effect from "effect/Effect"
import { executePipeline, type HttpReply, pipelineUrlOf } from "../src/internal/hranaExecute.js"
import { pooled, server } from "./support/helpers.js"

const setup = [
  "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, score REAL, data BLOB, big INTEGER)",
  "INSERT INTO t VALUES (1, 'a', 1.5, x'00ff', 9007199254740991)",
  "INSERT INTO t VALUES (2, NULL, NULL, NULL, NULL)"
]

/** What a caller can see of a result: columns, every field by name and index, and the counts. */
const visible = (result: ResultSet) => ({
  columns: result.columns,
  columnTypes: result.columnTypes,
  rows: result.rows.map((row) => ({
    named: { ...row },
    indexed: Array.from({ length: row.length }, (_, i) => row[i]),
    keys: Object.keys(row)
  })),
  rowsAffected: result.rowsAffected,
  lastInsertRowid: result.lastInsertRowid
})

/** The failure of a promise, as what classification reads of it. */
const failureOf = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e
  )
  expect(error).toBeInstanceOf(LibsqlError)
  const libsql = error as LibsqlError
  return { code: libsql.code, message: libsql.message }
}

describe("remote execute straight over the pipeline (hranaExecute)", () => {
  it.scoped("results match the client's: columns, named and indexed fields, numbers, blobs, nulls, counts", () =>
    Effect.gen(function* () {
      const srv = yield* server()
      const bare = createClient({ url: srv.url })
      yield* Effect.addFinalizer(() => Effect.sync(() => bare.close()))
      const { db } = yield* pooled(srv.url)
      for (const sql of setup) yield* Effect.promise(() => bare.execute(sql))
      const statements = [
        { sql: "SELECT id, name, score, data, big, id AS id FROM t ORDER BY id", args: [] },
        { sql: "SELECT ? AS a, ? AS b, ? AS c, ? AS d, ? AS e, ? AS f", args: [1, 2.5, "x", null, true, 7n] },
        { sql: "SELECT ? AS blob", args: [new Uint8Array([1, 2, 3])] },
        { sql: "INSERT INTO t (id, name) VALUES (?, ?)", args: [3, "c"] }
      ]
      for (const statement of statements) {
        const viaPool = yield* db.execute(statement)
        const viaClient = yield* Effect.promise(() =>
          bare.execute(statement.sql.startsWith("INSERT") ? { sql: statement.sql, args: [4, "d"] } : statement)
        )
        if (statement.sql.startsWith("INSERT")) {
          expect(viaPool.rowsAffected).toBe(viaClient.rowsAffected)
          expect(viaPool.lastInsertRowid).toBe(3n)
          expect(viaClient.lastInsertRowid).toBe(4n)
        } else {
          expect(visible(viaPool)).toEqual(visible(viaClient))
        }
      }
      // one round trip per execute, as the client's
      const before = srv.stats().requests
      yield* db.execute({ sql: "SELECT 1", args: [] })
      expect(srv.stats().requests - before).toBe(1)
    })
  )

  it.scoped("errors match the client's: the statement's error code and message, the server's status", () =>
    Effect.gen(function* () {
      const srv = yield* server()
      const bare = createClient({ url: srv.url })
      yield* Effect.addFinalizer(() => Effect.sync(() => bare.close()))
      const url = pipelineUrlOf(srv.url)!
      let raw = 0
      const send = async (target: URL, body: string): Promise<HttpReply> => {
        raw++
        const response = await fetch(target, { method: "POST", headers: { "content-type": "application/json" }, body })
        return {
          status: response.status,
          contentType: response.headers.get("content-type") ?? undefined,
          body: await response.arrayBuffer()
        }
      }
      for (const sql of ["SELEC 1", "SELECT * FROM missing_table"]) {
        const direct = yield* Effect.promise(() => failureOf(executePipeline(send, url, sql, [])))
        const client = yield* Effect.promise(() => failureOf(bare.execute(sql)))
        expect(direct).toEqual(client)
      }
      yield* Effect.promise(() => srv.fault({ kind: "fail", status: 503, message: "overloaded", count: 1 }))
      const direct = yield* Effect.promise(() => failureOf(executePipeline(send, url, "SELECT 1", [])))
      yield* Effect.promise(() => srv.fault({ kind: "fail", status: 503, message: "overloaded", count: 1 }))
      const client = yield* Effect.promise(() => failureOf(bare.execute("SELECT 1")))
      expect(direct).toEqual(client)
      expect(raw).toBe(3)
    })
  )

  it.scoped("a statement's error through the pool is a DatabaseError, as through the client", () =>
    Effect.gen(function* () {
      const srv = yield* server()
      const { db } = yield* pooled(srv.url)
      const failure = yield* Effect.flip(db.execute({ sql: "SELEC 1", args: [] }))
      expect(failure._tag).toBe("DatabaseError")
      expect(failure.code).toBe("SQL_PARSE_ERROR")
    })
  )

  it("pipelineUrlOf: http, https and libsql URLs (tls=0 is http); anything else goes through the client", () => {
    expect(pipelineUrlOf("http://127.0.0.1:8080")?.href).toBe("http://127.0.0.1:8080/v2/pipeline")
    expect(pipelineUrlOf("https://db.example.com")?.href).toBe("https://db.example.com/v2/pipeline")
    expect(pipelineUrlOf("libsql://db.example.com")?.href).toBe("https://db.example.com/v2/pipeline")
    expect(pipelineUrlOf("libsql://127.0.0.1:8080?tls=0")?.href).toBe("http://127.0.0.1:8080/v2/pipeline")
    expect(pipelineUrlOf("ws://db.example.com")).toBeUndefined()
    expect(pipelineUrlOf("libsql://db.example.com?authToken=x")).toBeUndefined()
    expect(pipelineUrlOf("file:local.db")).toBeUndefined()
  })
})
