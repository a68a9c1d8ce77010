/**
 * Reads after idle gaps longer than the server's idle timeout, side by side in one run against the test server
 * (rtt 20 ms, connect 45 ms, idle timeout 1 s; gaps of 1.5 s):
 *   naive      a new client (and socket) per operation, as the first implementation did;
 *   pooled     the pool without keep-alive: the server closed the idle socket, so each read reconnects;
 *   keep-alive the pool with keep-alive pinging every 0.3 s: the socket is still open.
 * Run: pnpm --filter @memory-turso/keepalive bench   (or: cd packages/keepalive && node --conditions=@memory-turso/source --import tsx bench/idle-reads.ts)
 * Section `keepalive.idle-reads` of `pnpm bench` (BENCH_QUICK=1: 6 reads per mode).
 */
import { performance } from "node:perf_hooks"
import { createClient } from "@libsql/client"
import { emit, latencyOf, median, quickOr } from "@memory-turso/bench"
import { ConnectionPool, Database, Pool } from "@memory-turso/pool"
import { fetchVia, startTestServer } from "@memory-turso/testkit"
import * as Effect from "effect/Effect"
import * as ManagedRuntime from "effect/ManagedRuntime"
import { Client as HttpClient } from "undici"
import * as KeepAlive from "../src/KeepAlive.js"

const RTT_MS = 20
const CONNECT_MS = 45
const IDLE_TIMEOUT_MS = 1000
const GAP_MS = 1500
const ROUNDS = Number(process.env["ROUNDS"] ?? quickOr(6, 10))

const server = await startTestServer({
  network: { rtt_ms: RTT_MS, connect_ms: CONNECT_MS, idle_timeout_ms: IDLE_TIMEOUT_MS }
})
const read = { sql: "SELECT v FROM t WHERE id = ?", args: [1] }

let naiveSockets = 0
const naive = async () => {
  const dispatcher = new HttpClient(server.url)
  dispatcher.on("connect", () => naiveSockets++)
  const client = createClient({ url: server.url, fetch: fetchVia(dispatcher) })
  try {
    await client.execute(read)
  } finally {
    client.close()
    await dispatcher.destroy()
  }
}

const pooled = ManagedRuntime.make(Pool.layer({ url: server.url }))
// the server idle timeout is known here (1 s): keep-alive credits reads it kept warm against it
const kept = ManagedRuntime.make(
  KeepAlive.layerPool({ url: server.url }, { interval_secs: 0.3, server_idle_timeout_secs: IDLE_TIMEOUT_MS / 1000 })
)
const viaDatabase = (runtime: typeof pooled | typeof kept) => () =>
  runtime.runPromise(Effect.flatMap(Database.Database, (db) => db.execute(read)))

// create the table, then warm up both pools before the first gap
await pooled.runPromise(
  Effect.flatMap(Database.Database, (db) =>
    db.batch([
      { sql: "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)", args: [] },
      { sql: "INSERT INTO t VALUES (1, ?)", args: ["x".repeat(1024)] }
    ])
  )
)
await viaDatabase(pooled)()
await viaDatabase(kept)()

const modes = { naive, pooled: viaDatabase(pooled), "pooled + keep-alive": viaDatabase(kept) }
const times: Record<string, Array<number>> = { naive: [], pooled: [], "pooled + keep-alive": [] }
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const names = Object.keys(modes) as Array<keyof typeof modes>

for (let round = 0; round < ROUNDS; round++) {
  await sleep(GAP_MS)
  // rotate the order so no mode always goes first after the gap
  for (let i = 0; i < names.length; i++) {
    const name = names[(round + i) % names.length]!
    const start = performance.now()
    await modes[name]()
    times[name]!.push(performance.now() - start)
  }
}

const poolStats = (runtime: typeof pooled | typeof kept) =>
  runtime.runPromise(Effect.flatMap(ConnectionPool.ConnectionPool, (p) => p.stats))
const sockets: Record<string, number> = {
  naive: naiveSockets,
  pooled: (await poolStats(pooled)).sockets_opened - 1,
  "pooled + keep-alive": (await poolStats(kept)).sockets_opened - 1
}
const mean = (xs: ReadonlyArray<number>) => xs.reduce((a, b) => a + b, 0) / xs.length

console.log(
  `reads after ${GAP_MS} ms idle gaps, server rtt ${RTT_MS} ms, connect ${CONNECT_MS} ms, idle timeout ` +
    `${IDLE_TIMEOUT_MS} ms, ${ROUNDS} reads per mode (test server, loopback)`
)
console.log(
  `${"mode".padEnd(22)}${"p50 ms".padStart(9)}${"mean ms".padStart(9)}${"p50 RTTs".padStart(10)}  new sockets` +
    "  naive p50 / p50"
)
const base = median(times["naive"]!)
for (const name of names) {
  const p50 = median(times[name]!)
  console.log(
    `${name.padEnd(22)}${p50.toFixed(1).padStart(9)}${mean(times[name]!).toFixed(1).padStart(9)}` +
      `${(p50 / RTT_MS).toFixed(2).padStart(10)}  ${String(sockets[name]).padStart(3)} / ${ROUNDS}` +
      `${(base / p50).toFixed(2).padStart(15)}x`
  )
}
const stats = await kept.runPromise(Effect.flatMap(KeepAlive.KeepAlive, (k) => k.stats))
console.log(
  `keep-alive stats: pings ${stats.pings}, ping_failures ${stats.ping_failures}, requests_kept_warm ` +
    `${stats.requests_kept_warm}, avg_cold_ms ${stats.avg_cold_ms}, avg_warm_ms ${stats.avg_warm_ms}, ` +
    `avg_time_saved_ms ${stats.avg_time_saved_ms}, time_saved_ms ${stats.time_saved_ms}`
)
console.log(
  `server: ${JSON.stringify({ requests: server.stats().requests, sockets: server.stats().sockets_accepted })}`
)

const setting = `remote test server (rtt ${RTT_MS} ms, connect ${CONNECT_MS} ms, idle timeout ${IDLE_TIMEOUT_MS} ms)`
const p50Of = (name: string, label: string) => ({ name: label, value: median(times[name]!), unit: "ms" })
const keptWarm = p50Of("pooled + keep-alive", "pooled + keep-alive read p50")
const against = (id: string, baseline: string, label: string) => ({
  id,
  title: `a read after a ${GAP_MS} ms idle gap: keep-alive beside ${label}`,
  setting,
  subject: keptWarm,
  baseline: p50Of(baseline, `${label} read p50`),
  ratio: keptWarm.value / median(times[baseline]!),
  latency: [
    latencyOf("pooled + keep-alive read", times["pooled + keep-alive"]!, "subject"),
    latencyOf(`${label} read`, times[baseline]!, "baseline")
  ]
})
emit({
  section: "keepalive.idle-reads",
  command: "pnpm --filter @memory-turso/keepalive bench",
  comparisons: [
    against("keepalive.idle-reads.on-vs-off", "pooled", "pooled, keep-alive off"),
    against("keepalive.idle-reads.on-vs-naive", "naive", "naive (new client per read)")
  ],
  figures: names.map((name) => ({
    name: `${name}: new sockets in ${ROUNDS} reads`,
    value: sockets[name]!,
    unit: "sockets",
    setting
  })),
  notes: [`${ROUNDS} reads per mode after ${GAP_MS} ms gaps; keep-alive pings every 0.3 s`]
})

await pooled.dispose()
await kept.dispose()
await server.destroy()
