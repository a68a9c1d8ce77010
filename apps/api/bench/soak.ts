// Bounded soak: mixed requests through the built API (embedded, defaults), the API's RSS after 100k and after 300k
// requests, and its growth between the two (goal < 10%: nothing grows with the number of requests served).
// Run: pnpm --filter @memory-turso/api bench:soak   (builds the API first; SOAK_FIRST, SOAK_TOTAL, SOAK_CONCURRENCY
// change the sizes). Not a test: it prints its figures.
// Section `api.soak` of `pnpm bench` (BENCH_QUICK=1: 4k then 12k requests to the API run from its sources, without
// the build, which alone can take two minutes on this machine).
import { randomUUID } from "node:crypto"
import { mkdtempSync, rmSync } from "node:fs"
import { Agent, request } from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { setTimeout as sleep } from "node:timers/promises"
import { emit, isQuick, quickOr } from "@memory-turso/bench"
import { buildApi, type Served, startApi, startBuiltApi } from "./processes.js"
import { realisticEpisode } from "./realisticEpisode.js"

const FIRST = Number(process.env["SOAK_FIRST"] ?? quickOr(4_000, 100_000))
const TOTAL = Number(process.env["SOAK_TOTAL"] ?? quickOr(12_000, 300_000))
const CONCURRENCY = Number(process.env["SOAK_CONCURRENCY"] ?? 32)
/** The quick run serves from the sources (through tsx): same process on both sides of the growth, no build. */
const FROM_SOURCES = isQuick()
const EPISODES = 500
const PATTERNS = 100
const DIMENSIONS = 64

interface Call {
  readonly method: string
  readonly path: string
  readonly body?: string
}

const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY })

/** Sends one request; resolves with its status (0: no answer). The body is read and dropped. */
const send = (base: URL, call: Call): Promise<number> =>
  new Promise((resolve) => {
    const req = request(
      new URL(call.path, base),
      {
        method: call.method,
        agent,
        headers: {
          "x-request-id": randomUUID(),
          ...(call.body === undefined ? {} : { "content-type": "application/json" })
        }
      },
      (res) => {
        res.resume()
        res.on("end", () => resolve(res.statusCode ?? 0))
        res.on("error", () => resolve(0))
      }
    )
    req.on("error", () => resolve(0))
    req.end(call.body)
  })

const pick = (n: number) => Math.floor(Math.random() * n)
const vector = () => Array.from({ length: DIMENSIONS }, () => Math.random() * 2 - 1)
/** Episode `s-<n>` (about 2 KB), tagged with n mod 8, whatever writes it. */
const soakEpisode = (n: number) => ({ ...realisticEpisode(`s-${n}`, 2048), tags: [String(n % 8)] })
const episodeBody = (n: number) => JSON.stringify(soakEpisode(n))

/**
 * The mix, a cycle of 200 requests, read-heavy as agents use their memory: reads by id, list pages, batch reads,
 * searches, not-found and invalid requests, probes, and 3 writes over the same bounded set of ids (an embedded
 * write waits for its commit to reach the disk, so more writes would measure the disk rather than the process).
 */
const MIX: ReadonlyArray<readonly [count: number, call: () => Call]> = [
  [120, () => ({ method: "GET", path: `/episodes/s-${pick(EPISODES)}` })],
  [20, () => ({ method: "GET", path: `/episodes?limit=20&tag=${pick(8)}` })],
  [
    10,
    () => ({
      method: "POST",
      path: "/episodes/batch/get",
      body: JSON.stringify({ ids: Array.from({ length: 20 }, () => `s-${pick(EPISODES)}`) })
    })
  ],
  [10, () => ({ method: "POST", path: "/embeddings/search", body: JSON.stringify({ vector: vector(), k: 5 }) })],
  [10, () => ({ method: "GET", path: `/patterns/p-${pick(PATTERNS)}` })],
  [10, () => ({ method: "GET", path: `/episodes/missing-${randomUUID()}` })], // 404, a new id each time
  [8, () => ({ method: "POST", path: "/episodes", body: `{"task_description": ${pick(1000)}}` })], // 422
  [4, () => ({ method: "GET", path: `/episodes?limit=20&cursor=${randomUUID()}` })], // 422 invalid_cursor
  [3, () => ({ method: "GET", path: "/health" })],
  [2, () => ({ method: "GET", path: "/metrics" })],
  [2, () => ({ method: "POST", path: "/episodes", body: episodeBody(pick(EPISODES)) })],
  [
    1,
    () => ({
      method: "POST",
      path: "/episodes/batch",
      body: `[${Array.from({ length: 10 }, (_, i) => episodeBody(pick(EPISODES / 10) * 10 + i)).join(",")}]`
    })
  ]
]
/** The cycle, spread: request i of the soak is `CYCLE[i % CYCLE.length]`. */
const CYCLE = MIX.flatMap(([count, call]) => Array.from({ length: count }, () => call)).sort(() => Math.random() - 0.5)

let answered = 0

/** Runs `count` requests of the mix, `CONCURRENCY` at a time, counting statuses; progress on stderr. */
const run = async (base: URL, count: number, statuses: Map<number, number>) => {
  let next = 0
  const worker = async () => {
    while (next < count) {
      const call = CYCLE[next++ % CYCLE.length]!()
      const status = await send(base, call)
      statuses.set(status, (statuses.get(status) ?? 0) + 1)
      if (++answered % 25_000 === 0) process.stderr.write(`${answered} requests\n`)
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))
}

/** The API's RSS, from its `/metrics`, after a second without load. */
const rss = async (base: URL): Promise<number> => {
  await sleep(1000)
  const metrics = (await (await fetch(new URL("/metrics", base))).json()) as { process: { rss_bytes: number } }
  return metrics.process.rss_bytes
}

const seed = async (base: URL) => {
  for (let i = 0; i < EPISODES; i += 50) {
    const batch = Array.from({ length: 50 }, (_, j) => soakEpisode(i + j))
    if ((await send(base, { method: "POST", path: "/episodes/batch", body: JSON.stringify(batch) })) !== 200)
      throw new Error("seeding episodes failed")
  }
  for (let i = 0; i < PATTERNS; i++) {
    const body = JSON.stringify({ type: "tool_sequence", pattern_id: `p-${i}`, tools: ["read_file", "run_tests"] })
    await send(base, { method: "POST", path: "/patterns", body })
  }
  for (let i = 0; i < EPISODES; i += 5) {
    const body = JSON.stringify({ model: "soak", vector: vector() })
    await send(base, { method: "PUT", path: `/embeddings/episode/s-${i}`, body })
  }
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`

const dir = mkdtempSync(join(tmpdir(), "memory-turso-soak-"))
let api: Served | undefined
try {
  const env = { TURSO_DB_URL: `file:${join(dir, "soak.db")}` }
  if (!FROM_SOURCES) await buildApi()
  api = await (FROM_SOURCES ? startApi(env) : startBuiltApi(env))
  const base = new URL(api.url)
  await seed(base)
  const statuses = new Map<number, number>()
  const began = performance.now()
  await run(base, FIRST, statuses)
  const atFirst = await rss(base)
  const firstSeconds = (performance.now() - began) / 1000
  await run(base, TOTAL - FIRST, statuses)
  const atTotal = await rss(base)
  const seconds = (performance.now() - began) / 1000 - 2
  const growth = ((atTotal - atFirst) / atFirst) * 100
  const tally = [...statuses.entries()]
    .sort(([a], [b]) => a - b)
    .map(([status, n]) => `${status} x${n}`)
    .join(", ")
  console.log(
    `${TOTAL} mixed requests (${CONCURRENCY} concurrent) in ${seconds.toFixed(0)} s ` +
      `(${Math.round(TOTAL / seconds)} req/s; first ${FIRST} in ${firstSeconds.toFixed(0)} s): ${tally}`
  )
  console.log(
    `RSS after ${FIRST}: ${mib(atFirst)}; after ${TOTAL}: ${mib(atTotal)}; growth ${growth.toFixed(1)}% ` +
      `(goal < 10%: ${growth < 10 ? "met" : "MISSED"})`
  )
  const setting = `local, embedded (the ${FROM_SOURCES ? "API from its sources" : "built API"}, defaults)`
  emit({
    section: "api.soak",
    command: "pnpm --filter @memory-turso/api bench:soak",
    comparisons: [
      {
        id: "api.soak.rss-growth",
        title: `the API's RSS after ${TOTAL} mixed requests beside its RSS after ${FIRST}`,
        setting,
        subject: { name: `RSS after ${TOTAL} requests`, value: atTotal, unit: "bytes" },
        baseline: { name: `RSS after ${FIRST} requests`, value: atFirst, unit: "bytes" },
        ratio: atTotal / atFirst,
        // the goal is about a warmed-up process: the quick run's few thousand requests still warm it up
        ...(FROM_SOURCES ? {} : { goal: { text: "RSS grows less than 10% between the two", met: growth < 10 } })
      }
    ],
    figures: [
      { name: `mixed requests (${CONCURRENCY} concurrent)`, value: TOTAL / seconds, unit: "req/s", setting },
      { name: "requests without an answer", value: statuses.get(0) ?? 0, unit: "requests", setting },
      {
        name: "5xx answers",
        value: [...statuses].filter(([status]) => status >= 500).reduce((n, [, count]) => n + count, 0),
        unit: "requests",
        setting
      }
    ],
    notes: [
      `statuses: ${tally}`,
      ...(FROM_SOURCES
        ? ["quick run: the goal (growth < 10% from 100k to 300k requests, built API) is judged by the full run"]
        : [])
    ]
  })
} finally {
  await api?.stop()
  agent.destroy()
  rmSync(dir, { recursive: true, force: true })
}
