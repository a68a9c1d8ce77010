import { KeepAlive } from "@memory-turso/keepalive"
import { Database } from "@memory-turso/pool"
import { Effect } from "effect"

const program = Effect.gen(function* () {
  const db = yield* Database.Database // pooled connections, pinged while idle
  yield* db.execute({ sql: "SELECT 1", args: [] }) // opens a socket (cold)
  yield* db.execute({ sql: "SELECT 2", args: [] }) // reuses it (warm)
  const { connections_created, cold_requests, warm_requests } = yield* (yield* KeepAlive.KeepAlive).stats
  console.log({ connections_created, cold_requests, warm_requests }) // => { connections_created: 1, cold_requests: 1, warm_requests: 1 }
})
// A remote database (file: databases have no sockets to keep warm); libsql: and https: also need an authToken.
const url = process.env.TURSO_DB_URL ?? "http://127.0.0.1:8080"
await Effect.runPromise(program.pipe(Effect.provide(KeepAlive.layerPool({ url }, { interval_secs: 5 }))))
