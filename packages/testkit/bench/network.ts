/**
 * What the test server costs and what its network model does, side by side in one run:
 *  1. overhead: sequential `execute` through the server (rtt 0) against the same statement on an embedded file: client;
 *  2. keep-alive: rtt 20 ms + connect 45 ms, one socket reused against a new socket for every request;
 *  3. round trips: 10 inserts as one `batch` against 10 `execute` calls, at rtt 20 ms;
 *  4. sockets: how many sockets 10 back-to-back `execute` calls open with common fetch setups.
 * Run: pnpm --filter @memory-turso/testkit bench   (or: cd packages/testkit && node --conditions=@memory-turso/source --import tsx bench/network.ts)
 * Section `testkit.network` of `pnpm bench` (BENCH_QUICK=1: a quarter to a half of the samples).
 */
import { mkdtempSync, rmSync } from "node:fs"
import { Agent as HttpAgent, request as httpRequest } from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { performance } from "node:perf_hooks"
import { type Client, createClient } from "@libsql/client"
import { emit, type Latency, latencyOf, percentile, quickOr } from "@memory-turso/bench"
import { Agent } from "undici"
import { fetchVia, startTestServer } from "../src/index.js"

/** Every series measured, by label, for the section's latency percentiles. */
const series = new Map<string, Latency>()

/** Times `n` calls of `op` after a warm-up; prints and returns the p50 (ms). */
const measure = async (label: string, fullN: number, op: () => Promise<unknown>) => {
  const n = quickOr(Math.max(10, Math.round(fullN / 4)), fullN)
  for (let i = 0; i < Math.min(50, n); i++) await op()
  const times: Array<number> = []
  for (let i = 0; i < n; i++) {
    const start = performance.now()
    await op()
    times.push(performance.now() - start)
  }
  times.sort((a, b) => a - b)
  const p50 = percentile(times, 0.5)
  console.log(`${label.padEnd(48)} p50 ${p50.toFixed(3)} ms  p99 ${percentile(times, 0.99).toFixed(3)} ms  (n=${n})`)
  series.set(label, latencyOf(label, times))
  return p50
}

const keepAlive = new Agent({ connections: 1, keepAliveTimeout: 60_000 })
const remote = (url: string, agent: () => Agent = () => keepAlive): Client =>
  createClient({ url, fetch: fetchVia(agent) })

// 1. overhead at rtt 0
const dir = mkdtempSync(join(tmpdir(), "testkit-bench-"))
const embedded = createClient({ url: `file:${join(dir, "embedded.db")}` })
const server = await startTestServer()
const viaServer = remote(server.url)
for (const db of [embedded, viaServer]) {
  await db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
  await db.execute({ sql: "INSERT INTO t (id, v) VALUES (1, ?)", args: ["x".repeat(4096)] })
}
const read = (db: Client) => () => db.execute({ sql: "SELECT v FROM t WHERE id = ?", args: [1] })
console.log("1. server overhead (rtt 0, loopback, 4 KB row by primary key)")
const embeddedP50 = await measure("embedded file: execute", 2000, read(embedded))
const serverP50 = await measure("test server execute (keep-alive)", 2000, read(viaServer))
const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 1 })
const readBody = JSON.stringify({
  requests: [
    { type: "execute", stmt: { sql: "SELECT v FROM t WHERE id = ?", args: [{ type: "integer", value: "1" }] } },
    { type: "close" }
  ]
})
const rawPost = () =>
  new Promise<void>((resolve, reject) => {
    const req = httpRequest(
      `${server.url}/v2/pipeline`,
      { method: "POST", agent: httpAgent, headers: { "content-type": "application/json" } },
      (res) => {
        res.resume()
        res.on("end", resolve)
      }
    )
    req.on("error", reject)
    req.end(readBody)
  })
const rawP50 = await measure("same pipeline, raw node:http keep-alive client", 2000, rawPost)
console.log(
  `   server / embedded: ${(serverP50 / embeddedP50).toFixed(1)}x; raw HTTP / embedded: ${(rawP50 / embeddedP50).toFixed(1)}x`
)

// 2. keep-alive against a new socket per request
server.configure({ rtt_ms: 20, connect_ms: 45 })
const fresh: Array<Agent> = []
const newSocketEachTime = remote(server.url, () => {
  const agent = new Agent({ connections: 1 })
  fresh.push(agent)
  return agent
})
console.log("2. rtt 20 ms, connect 45 ms")
server.resetStats()
const reusedP50 = await measure("one keep-alive socket", 40, read(viaServer))
const reusedSockets = server.stats().sockets_accepted
server.resetStats()
const freshP50 = await measure("new socket per request", 40, read(newSocketEachTime))
const freshSockets = server.stats().sockets_accepted
console.log(`   sockets accepted (warm-up included): keep-alive ${reusedSockets} new, new-socket ${freshSockets}`)
console.log(`   new socket / keep-alive: ${(freshP50 / reusedP50).toFixed(2)}x`)

// 3. one batch against N executes
const rows = Array.from({ length: 10 }, (_, i) => ({ sql: "INSERT INTO t (v) VALUES (?)", args: [`r${i}`] }))
console.log("3. 10 inserts at rtt 20 ms")
server.resetStats()
const batchP50 = await measure("one batch (write)", 20, () => viaServer.batch(rows, "write"))
const batchRequests = server.stats().requests
server.resetStats()
const loopP50 = await measure("10 x execute", 20, async () => {
  for (const row of rows) await viaServer.execute(row)
})
const loopRequests = server.stats().requests
console.log(
  `   pipeline requests (same rounds each, warm-up included): batch ${batchRequests}, executes ${loopRequests}`
)
console.log(`   executes / batch: ${(loopP50 / batchP50).toFixed(1)}x`)

// 4. sockets opened by back-to-back sequential calls
server.configure({ rtt_ms: 0, connect_ms: 0 })
console.log("4. sockets accepted by 10 back-to-back execute calls")
const setups: Array<[string, () => Client, boolean]> = [
  [
    "undici Agent (defaults)",
    () =>
      remote(
        server.url,
        (
          (a) => () =>
            a
        )(new Agent())
      ),
    false
  ],
  ["global fetch", () => createClient({ url: server.url }), false],
  [
    "undici Agent { connections: 1 }",
    () =>
      remote(
        server.url,
        (
          (a) => () =>
            a
        )(new Agent({ connections: 1 }))
      ),
    false
  ],
  [
    "undici Agent (defaults), setImmediate between",
    () =>
      remote(
        server.url,
        (
          (a) => () =>
            a
        )(new Agent())
      ),
    true
  ]
]
for (const [label, make, gap] of setups) {
  const db = make()
  server.resetStats()
  for (let i = 0; i < 10; i++) {
    await db.execute("SELECT 1")
    if (gap) await new Promise((resolve) => setImmediate(resolve))
  }
  console.log(`${label.padEnd(48)} sockets_accepted ${server.stats().sockets_accepted}`)
  db.close()
}

const side = (subject: string, baseline: string) => {
  const [s, b] = [series.get(subject)!, series.get(baseline)!]
  return {
    subject: { name: `${subject} p50`, value: s.p50, unit: "ms" },
    baseline: { name: `${baseline} p50`, value: b.p50, unit: "ms" },
    ratio: s.p50 / b.p50,
    latency: [
      { ...s, role: "subject" as const },
      { ...b, role: "baseline" as const }
    ]
  }
}
emit({
  section: "testkit.network",
  command: "pnpm --filter @memory-turso/testkit bench",
  comparisons: [
    {
      id: "testkit.network.server-overhead",
      title: "a 4 KB read by primary key through the test server (rtt 0) beside the same read on an embedded file",
      setting: "remote test server (rtt 0, loopback)",
      ...side("test server execute (keep-alive)", "embedded file: execute")
    },
    {
      id: "testkit.network.new-socket",
      title: "a read on a new socket per request beside one kept-alive socket",
      setting: "remote test server (rtt 20 ms, connect 45 ms)",
      ...side("new socket per request", "one keep-alive socket")
    },
    {
      id: "testkit.network.batch",
      title: "10 inserts as one batch beside 10 execute calls",
      setting: "remote test server (rtt 20 ms)",
      ...side("one batch (write)", "10 x execute")
    }
  ],
  figures: [
    {
      name: "same pipeline, raw node:http keep-alive client p50",
      value: rawP50,
      unit: "ms",
      setting: "remote test server (rtt 0, loopback)"
    },
    {
      name: "pipeline requests for the batch rounds",
      value: batchRequests,
      unit: "requests",
      setting: "remote test server (rtt 20 ms)"
    },
    {
      name: "pipeline requests for the execute rounds",
      value: loopRequests,
      unit: "requests",
      setting: "remote test server (rtt 20 ms)"
    }
  ]
})

httpAgent.destroy()
embedded.close()
viaServer.close()
newSocketEachTime.close()
await keepAlive.destroy()
await Promise.all(fresh.map((agent) => agent.destroy()))
await server.destroy()
rmSync(dir, { recursive: true, force: true })
