import { Database, Pool } from "@memory-turso/pool"
import { Effect } from "effect"

const program = Effect.gen(function* () {
  const db = yield* Database.Database
  yield* db.execute({ sql: "CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, body TEXT)", args: [] })
  const insert = (body: string) => ({ sql: "INSERT INTO notes (body) VALUES (?)", args: [body] })
  yield* db.batch([insert("one"), insert("two")]) // one round trip, all or nothing
  const { rows } = yield* db.execute({ sql: "SELECT count(*) AS n FROM notes", args: [] })
  const { pool } = yield* db.stats
  console.log(rows[0]?.["n"], pool?.max, pool?.timeouts) // => 2 20 0
})
// Remote: { url: "libsql://<db>.turso.io", authToken: Redacted.make(token), connection_pool: { max_connections: 10 } }
await Effect.runPromise(program.pipe(Effect.provide(Pool.layer({ url: "file:memory.db" }))))
