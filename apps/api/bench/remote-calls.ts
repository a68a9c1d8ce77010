// Remote calls through the API against the bare @libsql/client doing the same statements' worth of work, on the
// same test server (RTT 20 ms) in the same run, one call at a time, the two sides alternating:
//  - read: GET /episodes/:id (cache off) against one `execute` of the store's SELECT; beside them (not compared) the
//    HTTP hop alone: bare node:http in its own process answering the same response bytes, the floor of any API;
//  - batch of 10 and of 100: POST /episodes/batch against one `batch` of the statements the store sends for them
//    (recorded from the store itself, payloads compressed alike); beside them the HTTP hop alone for the same POST
//    body (bare node:http reading it), the floor any HTTP API adds.
// Both sides are warmed up at RTT 0 first (not measured). The server's counters give the round trips, statements and bytes of each side.
// Run: pnpm --filter @memory-turso/api bench:remote   (BENCH_QUICK=1 for fewer calls; BENCH_RTT_MS, default 20)
import { type Client, createClient } from "@libsql/client"
import { type Comparison, emit, type Latency, percentile, QUICK_ENV } from "@memory-turso/bench"
import { DEFAULT_NAMESPACE } from "@memory-turso/model"
import { startTestServer, type TestServer } from "@memory-turso/testkit"
import { cpuSeconds, type Served, startApi, startBare } from "./processes.js"
import { realisticEpisode } from "./realisticEpisode.js"
import { type RecordedBatch, statementRecorder } from "./remoteStatements.js"

const QUICK = process.env[QUICK_ENV] === "1"
const RTT_MS = Number(process.env["BENCH_RTT_MS"] ?? 20)
const COMMAND = "pnpm --filter @memory-turso/api bench:remote"
const SETTING = `remote test server (RTT ${RTT_MS} ms)`
/** Warm-up rounds at RTT 0 before measuring: a batch of 10 and a read each, a batch of 100 every tenth. */
const WARM_ROUNDS = QUICK ? 80 : 120
const SELECT = "SELECT episode_id AS id, version, payload FROM episodes WHERE namespace = ? AND episode_id = ?"

/** What one side's calls cost: latencies and the server's counters per call. */
interface Side {
  readonly name: string
  readonly ms: Array<number>
  requests: number
  otherRequests: number
  statements: number
  bytesIn: number
  bytesOut: number
  /** CPU seconds of the API process (its side only) and of this process (test server + client) during the calls. */
  apiCpu: number
  benchCpu: number
}

const side = (name: string): Side => ({
  name,
  ms: [],
  requests: 0,
  otherRequests: 0,
  statements: 0,
  bytesIn: 0,
  bytesOut: 0,
  apiCpu: 0,
  benchCpu: 0
})

/** Runs one call, timing it and adding the server's counters it moved to `to`. */
const measured = async (server: TestServer, api: Served, to: Side, call: () => Promise<void>) => {
  const before = server.stats()
  const apiCpu = cpuSeconds(api.pid)
  const benchCpu = process.cpuUsage()
  const start = performance.now()
  await call()
  to.ms.push(performance.now() - start)
  const used = process.cpuUsage(benchCpu)
  to.benchCpu += (used.user + used.system) / 1e6
  to.apiCpu += cpuSeconds(api.pid) - apiCpu
  const after = server.stats()
  to.requests += after.requests - before.requests
  to.otherRequests += after.other_requests - before.other_requests
  to.statements += after.statements_executed - before.statements_executed
  to.bytesIn += after.bytes_received - before.bytes_received
  to.bytesOut += after.bytes_sent - before.bytes_sent
}

/**
 * Measures one call of each side, the API's first on even rounds and the bare client's first on odd ones, so neither
 * always runs on a socket or cache the other just warmed. A warm-up round (negative) is measured into nothing.
 */
const sideBySide = async (
  server: TestServer,
  api: Served,
  round: number,
  [apiSide, apiCall]: readonly [Side, () => Promise<void>],
  [bareSide, bareCall]: readonly [Side, () => Promise<void>]
) => {
  const a = round < 0 ? side("") : apiSide
  const b = round < 0 ? side("") : bareSide
  if (round % 2 === 0) {
    await measured(server, api, a, apiCall)
    await measured(server, api, b, bareCall)
  } else {
    await measured(server, api, b, bareCall)
    await measured(server, api, a, apiCall)
  }
}

const latencyOf = (s: Side): Latency => {
  const sorted = [...s.ms].sort((a, b) => a - b)
  return {
    name: s.name,
    p50: percentile(sorted, 0.5),
    p95: percentile(sorted, 0.95),
    p99: percentile(sorted, 0.99),
    max: sorted[sorted.length - 1]!
  }
}

const perCall = (s: Side) => {
  const n = s.ms.length
  const cpu = `CPU ${((s.apiCpu / n) * 1000).toFixed(2)} ms API process, ${((s.benchCpu / n) * 1000).toFixed(2)} ms server + client`
  return `${(s.requests / n).toFixed(2)} pipeline + ${(s.otherRequests / n).toFixed(2)} other requests, ${(s.statements / n).toFixed(1)} statements, ${Math.round(s.bytesIn / n)} B up / ${Math.round(s.bytesOut / n)} B down, ${cpu} per call`
}

const post = async (api: Served, path: string, body: unknown) => {
  const response = await fetch(`${api.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body)
  })
  const text = await response.text()
  if (!response.ok) throw new Error(`POST ${path}: ${response.status} ${text}`)
}

const server = await startTestServer({ network: { rtt_ms: 0 } })
const bare: Client = createClient({ url: server.url })
const recorder = await statementRecorder()
let api: Served | undefined
let hop: Served | undefined
try {
  api = await startApi({ TURSO_DB_URL: server.url, ENABLE_CACHE: "false" })
  const apiUrl = api
  // Seeding at RTT 0: the episodes both sides read.
  const readIds = Array.from({ length: 200 }, (_, i) => `remote-read-${i}`)
  for (let start = 0; start < readIds.length; start += 100) {
    await post(
      apiUrl,
      "/episodes/batch",
      readIds.slice(start, start + 100).map((id) => realisticEpisode(id, 4096))
    )
  }
  // Warm-up at RTT 0, not measured: the API process (and the bare client in this one) run the batch and read paths
  // until the JIT has compiled them, as in a server that has been up for a while; without it the first measured
  // batches ran the API's decode, compression and client code cold (about 1.5x its steady CPU per call).
  for (let round = 0; round < WARM_ROUNDS; round++) {
    for (const size of [10, 100]) {
      if (size === 100 && round % 10 !== 0) continue
      const episodes = (who: string) =>
        Array.from({ length: size }, (_, k) => realisticEpisode(`remote-warm-${who}-${size}-${round}-${k}`, 4096))
      await post(apiUrl, "/episodes/batch", episodes("api"))
      for (const batch of await recorder.batchesOf(DEFAULT_NAMESPACE, episodes("bare"))) {
        await bare.batch(batch.statements, batch.mode)
      }
    }
    const id = readIds[round % readIds.length]!
    await (await fetch(`${apiUrl.url}/episodes/${id}`)).arrayBuffer()
    await bare.execute({ sql: SELECT, args: [DEFAULT_NAMESPACE, id] })
  }
  server.configure({ rtt_ms: RTT_MS })

  const comparisons: Array<Comparison> = []
  const notes: Array<string> = []
  const compare = (id: string, title: string, goal: number, api: Side, base: Side) => {
    const a = latencyOf(api)
    const b = latencyOf(base)
    const ratio = a.p50 / b.p50
    console.log(`${id}: API p50 ${a.p50.toFixed(1)} ms, bare p50 ${b.p50.toFixed(1)} ms (${ratio.toFixed(2)}x)`)
    console.log(`  API:  ${perCall(api)}\n  bare: ${perCall(base)}`)
    notes.push(`${id}: API ${perCall(api)}; bare ${perCall(base)}`)
    comparisons.push({
      id,
      title,
      setting: SETTING,
      subject: { name: api.name, value: a.p50, unit: "ms" },
      baseline: { name: base.name, value: b.p50, unit: "ms" },
      ratio,
      goal: { text: `p50 within ${goal}x of the bare client`, met: ratio <= goal },
      latency: [a, b]
    })
  }

  // Reads: the same episode ids on both sides, alternating which goes first.
  const reads = QUICK ? 40 : 120
  const apiRead = side("API GET /episodes/:id (cache off)")
  const bareRead = side("bare @libsql/client execute")
  // The hop a read through any HTTP API adds to the bare client's call: bare node:http, the same response bytes.
  hop = await startBare(await (await fetch(`${apiUrl.url}/episodes/${readIds[0]}`)).text())
  const hopUrl = hop.url
  const hopRead = side("bare node:http hop (same response bytes, no database)")
  for (let i = -5; i < reads; i++) {
    const id = readIds[(i + readIds.length) % readIds.length]!
    const viaApi = async () => {
      const response = await fetch(`${apiUrl.url}/episodes/${id}`)
      await response.arrayBuffer()
      if (!response.ok) throw new Error(`GET ${id}: ${response.status}`)
    }
    const viaBare = async () => {
      const result = await bare.execute({ sql: SELECT, args: [DEFAULT_NAMESPACE, id] })
      if (result.rows.length !== 1) throw new Error(`no row for ${id}`)
    }
    const viaHop = async () => {
      const response = await fetch(hopUrl)
      await response.arrayBuffer()
    }
    await measured(server, apiUrl, i < 0 ? side("") : hopRead, viaHop)
    await sideBySide(server, apiUrl, i, [apiRead, viaApi], [bareRead, viaBare])
  }
  compare(
    "api.remote.read",
    "One uncached read by id through the API against the bare client's SELECT",
    1.1,
    apiRead,
    bareRead
  )
  const hopP50 = latencyOf(hopRead).p50
  const hopNote = `api.remote.read: the HTTP hop alone (bare node:http, same response bytes) p50 ${hopP50.toFixed(2)} ms; bare client + hop p50 ${(latencyOf(bareRead).p50 + hopP50).toFixed(1)} ms`
  console.log(`  ${hopNote}`)
  notes.push(hopNote)

  // Batches of new episodes: each side writes its own ids; the bare side sends the store's recorded statements.
  for (const [size, rounds, goal] of [
    [10, QUICK ? 15 : 40, 1.1],
    [100, QUICK ? 6 : 15, 1.5]
  ] as const) {
    const apiBatch = side(`API POST /episodes/batch (${size})`)
    const bareBatch = side(`bare @libsql/client batch (${size} episodes' statements)`)
    const hopBatch = side(`bare node:http hop (the same POST body, no database)`)
    for (let round = -2; round < rounds; round++) {
      const episodes = (who: string) =>
        Array.from({ length: size }, (_, k) => realisticEpisode(`remote-${who}-${size}-${round + 2}-${k}`, 4096))
      const forApi = episodes("api")
      const recorded: Array<RecordedBatch> = await recorder.batchesOf(DEFAULT_NAMESPACE, episodes("bare"))
      const viaApi = () => post(apiUrl, "/episodes/batch", forApi)
      const viaHop = () => post(hop!, "/episodes/batch", forApi)
      const viaBare = async () => {
        for (const batch of recorded) await bare.batch(batch.statements, batch.mode)
      }
      await measured(server, apiUrl, round < 0 ? side("") : hopBatch, viaHop)
      await sideBySide(server, apiUrl, round, [apiBatch, viaApi], [bareBatch, viaBare])
    }
    const batchHop = latencyOf(hopBatch).p50
    const batchHopNote = `api.remote.batch-${size}: the HTTP hop alone (bare node:http reading the same POST body) p50 ${batchHop.toFixed(2)} ms; bare client + hop p50 ${(latencyOf(bareBatch).p50 + batchHop).toFixed(1)} ms`
    console.log(`  ${batchHopNote}`)
    notes.push(batchHopNote)
    compare(
      `api.remote.batch-${size}`,
      `A batch of ${size} new episodes through the API against the bare client sending the same statements`,
      goal,
      apiBatch,
      bareBatch
    )
  }

  emit({
    section: "api.remote",
    command: COMMAND,
    comparisons,
    notes: [
      "one call at a time, API and bare alternating; the API runs in its own process (cache off), the test server and the bare client in the bench's",
      ...notes
    ]
  })
} finally {
  await api?.stop()
  await hop?.stop()
  bare.close()
  await recorder.dispose()
  await server.destroy()
}
