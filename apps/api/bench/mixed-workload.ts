// The mixed workload of an agent, through the API on the test server (rtt 20 ms, connect 45 ms, server idle timeout
// 2 s): rounds of an idle gap longer than the idle timeout, then a batch of 10 new episodes and 30 reads (90% over
// 50 hot episodes, 10% of the new ones). Side by side in one run, the rounds interleaved:
//   API, all optimizations off (cache, keep-alive, compression, statement cache off; a pool of one connection),
//   API, all on (defaults, keep-alive pinging often enough for the server's 2 s idle timeout),
//   a naive client: a new @libsql/client (and socket) per call, one statement per round trip.
// Run: pnpm --filter @memory-turso/api bench:mixed   (BENCH_QUICK=1: fewer rounds)
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { performance } from "node:perf_hooks"
import { createClient } from "@libsql/client"
import { type Comparison, emit, type Latency, QUICK_ENV, percentile as quantile } from "@memory-turso/bench"
import { fetchVia, type Stats, startTestServer } from "@memory-turso/testkit"
import { Agent, Client as HttpClient, request } from "undici"
import { type Served, startApi } from "./processes.js"
import { realisticEpisode } from "./realisticEpisode.js"

const QUICK = process.env[QUICK_ENV] === "1"
const ROUNDS = QUICK ? 4 : 10
const RTT_MS = 20
const CONNECT_MS = 45
const IDLE_TIMEOUT_MS = 2000
const GAP_MS = 2300
const HOT = 50
const BATCH = 10
const READS = 30
const EPISODE_BYTES = 4096
const TOKEN = "mixed-workload-bench-token"
const SETTING = `remote test server (rtt ${RTT_MS} ms, connect ${CONNECT_MS} ms, idle timeout ${IDLE_TIMEOUT_MS / 1000} s)`

/** A fixed pseudo-random sequence (mulberry32), the same for every variant. */
const random = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
}

/** One round's work: the new episodes' ids, then 30 reads (index into hot ids, or "new" index). */
const roundPlan = (round: number) => {
  const next = random(round + 1)
  const reads = Array.from({ length: READS }, () =>
    next() < 0.9 ? { hot: Math.floor(next() * HOT) } : { fresh: Math.floor(next() * BATCH) }
  )
  return { reads }
}

/** One way of doing the workload. */
interface Variant {
  readonly name: string
  readonly writeBatch: (episodes: ReadonlyArray<{ episode_id: string }>) => Promise<void>
  readonly read: (id: string) => Promise<void>
  readonly close: () => Promise<void>
}

const dir = mkdtempSync(join(tmpdir(), "memory-turso-mixed-"))
const server = await startTestServer({
  authToken: TOKEN,
  network: { rtt_ms: RTT_MS, connect_ms: CONNECT_MS, idle_timeout_ms: IDLE_TIMEOUT_MS }
})
const children: Array<Served> = []

/** The API as a child process, read and written over one keep-alive HTTP agent (the client side is not measured). */
const apiVariant = async (name: string, env: Record<string, string>): Promise<Variant> => {
  const api = await startApi({ TURSO_DB_URL: server.url, TURSO_AUTH_TOKEN: TOKEN, ...env })
  children.push(api)
  const agent = new Agent({ keepAliveTimeout: 60_000, connections: 4 })
  const call = async (method: "GET" | "POST", path: string, body?: string) => {
    const response = await request(`${api.url}${path}`, {
      method,
      dispatcher: agent,
      ...(body === undefined ? {} : { body, headers: { "content-type": "application/json" } })
    })
    const text = await response.body.text()
    if (response.statusCode !== 200)
      throw new Error(`${name}: ${method} ${path} answered ${response.statusCode}: ${text}`)
  }
  return {
    name,
    writeBatch: (episodes) => call("POST", "/episodes/batch", JSON.stringify(episodes)),
    read: (id) => call("GET", `/episodes/${id}`),
    close: async () => {
      await agent.close()
      await api.stop()
    }
  }
}

/** A new client (and socket) per call, one statement per round trip, into a table of its own. */
const naiveVariant = async (): Promise<Variant> => {
  const fresh = async <A>(use: (client: ReturnType<typeof createClient>) => Promise<A>): Promise<A> => {
    const dispatcher = new HttpClient(server.url)
    const client = createClient({ url: server.url, authToken: TOKEN, fetch: fetchVia(dispatcher) })
    try {
      return await use(client)
    } finally {
      client.close()
      await dispatcher.destroy()
    }
  }
  await fresh((c) =>
    c.execute("CREATE TABLE IF NOT EXISTS naive_episodes (id TEXT PRIMARY KEY, payload TEXT NOT NULL)")
  )
  return {
    name: "naive client",
    writeBatch: async (episodes) => {
      for (const episode of episodes) {
        await fresh((c) =>
          c.execute({
            sql: "INSERT OR REPLACE INTO naive_episodes (id, payload) VALUES (?, ?)",
            args: [episode.episode_id, JSON.stringify(episode)]
          })
        )
      }
    },
    read: async (id) => {
      const rows = await fresh((c) => c.execute({ sql: "SELECT payload FROM naive_episodes WHERE id = ?", args: [id] }))
      if (rows.rows.length !== 1) throw new Error(`naive client: ${id} not found`)
      JSON.parse(String(rows.rows[0]!.payload))
    },
    close: async () => {}
  }
}

/** Per variant: time per round's work, per-operation latencies, and the server's counters during its work. */
interface Measured {
  totalMs: number
  ops: number
  batchMs: Array<number>
  readMs: Array<number>
  roundTrips: number
  statements: number
  sockets: number
}

const delta = (before: Stats, after: Stats) => ({
  roundTrips: after.requests - before.requests,
  statements: after.statements_executed - before.statements_executed,
  sockets: after.sockets_accepted - before.sockets_accepted
})

const onConfig = join(dir, "on.toml")
// Keep-alive on, told the server's idle timeout: pings every second keep the socket warm across the gap.
writeFileSync(
  onConfig,
  `[keepalive]\nenabled = true\ninterval_secs = 1\nstale_threshold_secs = 1.5\nserver_idle_timeout_secs = ${IDLE_TIMEOUT_MS / 1000}\n`
)

try {
  const variants = [
    await apiVariant("API, all optimizations off", { ENABLE_OPTIMIZATIONS: "false", MAX_CONNECTIONS: "1" }),
    await apiVariant("API, all optimizations on", { CONFIG_FILE: onConfig }),
    await naiveVariant()
  ]
  const prefixOf = (v: number) => ["off", "on", "naive"][v]!
  const episode = (id: string) => realisticEpisode(id, EPISODE_BYTES)
  // The hot episodes, written by each variant (the API ones share the table; each writes its own ids).
  for (const [v, variant] of variants.entries()) {
    for (let i = 0; i < HOT; i += BATCH) {
      await variant.writeBatch(Array.from({ length: BATCH }, (_, k) => episode(`hot-${prefixOf(v)}-${i + k}`)))
    }
  }
  const measured: Array<Measured> = variants.map(() => ({
    totalMs: 0,
    ops: 0,
    batchMs: [],
    readMs: [],
    roundTrips: 0,
    statements: 0,
    sockets: 0
  }))
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
  // Round 0 warms up (not counted): the first reads of the hot episodes, the first sockets.
  for (let round = 0; round <= ROUNDS; round++) {
    const plan = roundPlan(round)
    await sleep(GAP_MS)
    for (let i = 0; i < variants.length; i++) {
      // Rotated, so no variant always goes first after the gap.
      const v = (round + i) % variants.length
      const variant = variants[v]!
      const prefix = prefixOf(v)
      const fresh = Array.from({ length: BATCH }, (_, k) => episode(`new-${prefix}-${round}-${k}`))
      const before = server.stats()
      const start = performance.now()
      const t0 = performance.now()
      await variant.writeBatch(fresh)
      const batchMs = performance.now() - t0
      const readMs: Array<number> = []
      for (const read of plan.reads) {
        const id = "hot" in read ? `hot-${prefix}-${read.hot}` : fresh[read.fresh!]!.episode_id
        const t = performance.now()
        await variant.read(id)
        readMs.push(performance.now() - t)
      }
      const totalMs = performance.now() - start
      const counted = delta(before, server.stats())
      if (round === 0) continue
      const m = measured[v]!
      m.totalMs += totalMs
      m.ops += 1 + plan.reads.length
      m.batchMs.push(batchMs)
      m.readMs.push(...readMs)
      m.roundTrips += counted.roundTrips
      m.statements += counted.statements
      m.sockets += counted.sockets
    }
  }
  for (const variant of variants) await variant.close()
  children.length = 0

  const msPerOp = (m: Measured) => m.totalMs / m.ops
  const opsPerSecond = (m: Measured) => (1000 * m.ops) / m.totalMs
  const percentile = (values: ReadonlyArray<number>, p: number) =>
    values.length === 0
      ? 0
      : quantile(
          [...values].sort((a, b) => a - b),
          p / 100
        )
  const latency = (v: number): Array<Latency> => {
    const m = measured[v]!
    const name = variants[v]!.name
    return [
      { name: `${name}: batch of ${BATCH}`, p50: percentile(m.batchMs, 50), p99: percentile(m.batchMs, 99) },
      { name: `${name}: read`, p50: percentile(m.readMs, 50), p99: percentile(m.readMs, 99) }
    ]
  }
  const [off, on, naive] = measured as [Measured, Measured, Measured]
  const figure = (v: number) => ({ name: variants[v]!.name, value: opsPerSecond(measured[v]!), unit: "operations/s" })
  const comparisons: Array<Comparison> = [
    {
      id: "api.mixed.on-vs-off",
      title: `Mixed workload after idle gaps (batch of ${BATCH} + ${READS} reads per round), all optimizations on vs off`,
      setting: SETTING,
      subject: figure(1),
      baseline: figure(0),
      ratio: opsPerSecond(on) / opsPerSecond(off),
      goal: { text: "at least 15x", met: opsPerSecond(on) / opsPerSecond(off) >= 15 },
      latency: [...latency(1), ...latency(0)]
    },
    {
      id: "api.mixed.on-vs-naive",
      title:
        "The same workload: the API with all optimizations on vs a naive client (new connection per call, one statement per round trip)",
      setting: SETTING,
      subject: figure(1),
      baseline: figure(2),
      ratio: opsPerSecond(on) / opsPerSecond(naive),
      latency: [...latency(1), ...latency(2)]
    }
  ]
  const rounds = ROUNDS
  emit({
    section: "api.mixed",
    command: "pnpm --filter @memory-turso/api bench:mixed",
    comparisons,
    figures: measured.flatMap((m, v) => [
      { name: `${variants[v]!.name}: ms per operation`, value: msPerOp(m), unit: "ms", setting: SETTING },
      { name: `${variants[v]!.name}: batch p50`, value: percentile(m.batchMs, 50), unit: "ms", setting: SETTING },
      { name: `${variants[v]!.name}: read p50`, value: percentile(m.readMs, 50), unit: "ms", setting: SETTING },
      {
        name: `${variants[v]!.name}: database round trips per round`,
        value: m.roundTrips / rounds,
        unit: "requests",
        setting: SETTING
      },
      {
        name: `${variants[v]!.name}: new sockets per round`,
        value: m.sockets / rounds,
        unit: "sockets",
        setting: SETTING
      }
    ]),
    notes: [
      `${rounds} rounds after a warm-up round; each: a ${GAP_MS} ms idle gap, then per variant (rotated) one batch of ${BATCH} new ~${EPISODE_BYTES}-byte episodes and ${READS} reads (90% over ${HOT} hot episodes, 10% of the new ones); operations = 1 batch + ${READS} reads`,
      "round trips and sockets are the test server's counters during each variant's work (keep-alive pings included)",
      "on: the defaults, with keep-alive told the server's idle timeout (interval_secs 1, server_idle_timeout_secs 2): the default 30 s interval would let the 2 s idle timeout close the socket in every gap",
      "off: ENABLE_OPTIMIZATIONS=false (cache, keep-alive, compression and the statement cache off) and MAX_CONNECTIONS=1"
    ]
  })
} finally {
  for (const child of children) await child.stop()
  await server.destroy()
  rmSync(dir, { recursive: true, force: true })
}
