import { describe, expect, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ConnectionPool from "../src/ConnectionPool.js"
import * as Database from "../src/Database.js"
import { changesSchema } from "../src/internal/preparedClient.js"
import * as Pool from "../src/Pool.js"

/** The pooled embedded Database and its pool over a fresh file, with the given statement cache size. */
const embedded = (statementCacheSize?: number) =>
  Effect.gen(function* () {
    const url = yield* Pool.temporaryUrl
    const context = yield* Layer.build(
      Pool.layer({ url, ...(statementCacheSize === undefined ? {} : { statementCacheSize }) })
    )
    return { db: Context.get(context, Database.Database), pool: Context.get(context, ConnectionPool.ConnectionPool) }
  }).pipe(Effect.orDie)

const setup = [
  { sql: "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, score REAL, data BLOB, big INTEGER)", args: [] },
  { sql: "INSERT INTO t VALUES (1, 'a', 1.5, x'00ff', 9007199254740991)", args: [] },
  { sql: "INSERT INTO t VALUES (2, NULL, NULL, NULL, NULL)", args: [] }
]

describe("embedded prepared-statement cache", () => {
  it.scoped("a repeated statement is prepared once: hits are counted where they happen", () =>
    Effect.gen(function* () {
      const { db, pool } = yield* embedded()
      yield* db.batch(setup)
      const before = pool.preparedStatements!()
      for (let i = 0; i < 10; i++) yield* db.execute({ sql: "SELECT name FROM t WHERE id = ?", args: [1] })
      const after = pool.preparedStatements!()
      expect(after.misses - before.misses).toBe(1)
      expect(after.hits - before.hits).toBe(9)
      expect(after.hit_rate).toBeGreaterThan(0)
      expect(after.avg_prep_time_us).toBeGreaterThan(0)
    })
  )

  it.scoped("results match the plain client: named and indexed fields, numbers, ArrayBuffer blobs, nulls", () =>
    Effect.gen(function* () {
      const cached = yield* embedded()
      const plain = yield* embedded(0)
      expect(plain.pool.preparedStatements).toBeUndefined()
      const read = { sql: "SELECT id, name, score, data, big FROM t ORDER BY id", args: [] }
      const results = []
      for (const { db } of [cached, plain]) {
        yield* db.batch(setup)
        const result = yield* db.execute(read)
        results.push({
          columns: result.columns,
          rows: result.rows.map((row) => [
            row["id"],
            row["name"],
            row["score"],
            row["data"],
            row["big"],
            row[1],
            row.length
          ])
        })
        const write = yield* db.execute({ sql: "UPDATE t SET name = ? WHERE id > ?", args: ["z", 0] })
        expect(write.rowsAffected).toBe(2)
      }
      expect(results[0]).toEqual(results[1])
      expect(results[0]!.rows[0]![3]).toBeInstanceOf(ArrayBuffer)
      expect(new Uint8Array(results[0]!.rows[0]![3] as ArrayBuffer)).toEqual(new Uint8Array([0, 255]))
    })
  )

  it.scoped("a failing statement in a batch rolls the whole batch back, with the client's error kind", () =>
    Effect.gen(function* () {
      const { db } = yield* embedded()
      yield* db.batch(setup)
      const failed = yield* Effect.flip(
        db.batch([
          { sql: "INSERT INTO t (id, name) VALUES (?, ?)", args: [3, "c"] },
          { sql: "INSERT INTO t (id, name) VALUES (?, ?)", args: [1, "duplicate"] }
        ])
      )
      // the primary code, as a remote server (sqld) sends it: never SQLITE_CONSTRAINT_PRIMARYKEY
      expect(failed).toMatchObject({ _tag: "DatabaseError", code: "SQLITE_CONSTRAINT" })
      const count = yield* db.execute({ sql: "SELECT count(*) AS n FROM t", args: [] })
      expect(count.rows[0]!["n"]).toBe(2)
      // The connection is usable again afterwards.
      yield* db.batch([{ sql: "INSERT INTO t (id, name) VALUES (?, ?)", args: [3, "c"] }])
    })
  )

  it.scoped("execute and batch run synchronously on the prepared client: no promise, no timer, same results", () =>
    Effect.gen(function* () {
      const { db } = yield* embedded()
      // runSync throws on anything asynchronous: these calls finish on the caller's stack
      Effect.runSync(db.batch(setup))
      const read = Effect.runSync(db.execute({ sql: "SELECT name FROM t WHERE id = ?", args: [1] }))
      expect(read.rows[0]!["name"]).toBe("a")
      const failed = Effect.runSyncExit(db.batch([{ sql: "INSERT INTO t (id) VALUES (?)", args: [1] }]))
      expect(failed).toMatchObject({
        _tag: "Failure",
        cause: { error: { _tag: "DatabaseError", code: "SQLITE_CONSTRAINT" } }
      })
      expect(yield* db.stats).toMatchObject({ executes: 1, batches: 2, errors: 1 })
      // the plain client still answers through its promises
      const plain = yield* embedded(0)
      expect(Effect.runSyncExit(plain.db.execute({ sql: "SELECT 1", args: [] }))._tag).toBe("Failure")
    })
  )

  it.scoped("the cache keeps at most its capacity, evicting the least recently used", () =>
    Effect.gen(function* () {
      const { db, pool } = yield* embedded(2)
      for (const n of [1, 2, 3, 1]) yield* db.execute({ sql: `SELECT ${n} AS n`, args: [] })
      expect(pool.preparedStatements!()).toMatchObject({ cached: 2, capacity: 2, evictions: 2, hits: 0, misses: 4 })
    })
  )

  it.scoped("interactive transactions still work (on the client's own connection)", () =>
    Effect.gen(function* () {
      const { db } = yield* embedded()
      yield* db.batch(setup)
      yield* db.transaction("write", (tx) => tx.execute({ sql: "DELETE FROM t WHERE id = 2", args: [] }))
      const count = yield* db.execute({ sql: "SELECT count(*) AS n FROM t", args: [] })
      expect(count.rows[0]!["n"]).toBe(1)
    })
  )

  it.scoped("a schema change drops the cache: a cached SELECT * sees a column added by ALTER TABLE", () =>
    Effect.gen(function* () {
      const { db, pool } = yield* embedded()
      yield* db.batch(setup)
      const all = { sql: "SELECT * FROM t WHERE id = 1", args: [] }
      expect((yield* db.execute(all)).columns).toEqual(["id", "name", "score", "data", "big"])
      yield* db.execute(all)
      expect(pool.preparedStatements!()).toMatchObject({ invalidations: 1 }) // the CREATE TABLE of the setup
      yield* db.execute({ sql: "ALTER TABLE t ADD COLUMN extra TEXT DEFAULT 'x'", args: [] })
      const after = yield* db.execute(all)
      expect(after.columns).toEqual(["id", "name", "score", "data", "big", "extra"])
      expect(after.rows[0]!["extra"]).toBe("x")
      expect(after.rows[0]!["name"]).toBe("a")
      expect(pool.preparedStatements!()).toMatchObject({ invalidations: 2 })
      // plain writes keep the cache
      const before = pool.preparedStatements!()
      yield* db.execute({ sql: "UPDATE t SET name = 'b' WHERE id = 2", args: [] })
      yield* db.execute(all)
      expect(pool.preparedStatements!()).toMatchObject({ invalidations: 2, hits: before.hits + 1 })
    })
  )

  it.scoped("schema changes on the client's own connections (transactions, executeMultiple) drop the cache too", () =>
    Effect.gen(function* () {
      const { db, pool } = yield* embedded()
      yield* db.batch(setup)
      const all = { sql: "SELECT * FROM t WHERE id = 1", args: [] }
      yield* db.execute(all)
      yield* db.transaction("write", (tx) =>
        tx.execute({ sql: "ALTER TABLE t ADD COLUMN in_tx INTEGER DEFAULT 7", args: [] })
      )
      const after = yield* db.execute(all)
      expect(after.columns.at(-1)).toBe("in_tx")
      expect(after.rows[0]!["in_tx"]).toBe(7)
      // a transaction without DDL leaves the cache alone
      const invalidations = pool.preparedStatements!().invalidations
      yield* db.transaction("write", (tx) => tx.execute({ sql: "UPDATE t SET in_tx = 8", args: [] }))
      expect(pool.preparedStatements!().invalidations).toBe(invalidations)
      const client = (yield* Effect.scoped(pool.checkout)).client
      yield* Effect.promise(() => client.executeMultiple("ALTER TABLE t ADD COLUMN multi TEXT DEFAULT 'm';"))
      const last = yield* db.execute(all)
      expect(last.columns.at(-1)).toBe("multi")
      expect(last.rows[0]!["multi"]).toBe("m")
    })
  )

  it("changesSchema: CREATE / ALTER / DROP after whitespace and comments, nothing else", () => {
    for (const sql of [
      "CREATE TABLE x (a)",
      "  alter table x add b",
      "-- c\n/* d */ DROP INDEX i",
      "create index i on x(a)"
    ]) {
      expect(changesSchema(sql)).toBe(true)
    }
    for (const sql of ["SELECT 'CREATE'", "INSERT INTO created VALUES (1)", "UPDATE x SET a = 'DROP'", "dropped"]) {
      expect(changesSchema(sql)).toBe(false)
    }
  })
})
