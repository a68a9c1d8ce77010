// /livez latency while hostile-but-valid requests run concurrently against the embedded API: big tag and metadata
// filters over 20k episodes, exact similarity searches, 1000-episode lists and batch reads, big valid bodies.
// Goal: p99 of /livez under 50 ms (libSQL runs embedded in the API's thread, so anything long blocks it). Two
// phases: the hostile reads alone, then with big valid bodies too (their validation is synchronous work).
// Run: pnpm --filter @memory-turso/api bench:livez
//   (BENCH_SECONDS: measured seconds, default 20; BENCH_HOSTILE: hostile requests in flight, default 4;
//    BENCH_EPISODES: default 20000; BENCH_EMBEDDINGS: default 3000; BENCH_DIMENSIONS: default 768)
// Section `api.livez` of `pnpm bench` (BENCH_QUICK=1: 8 s per phase over 5000 episodes and 1000 embeddings).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type Comparison, emit, type Figure, type Latency, latencyOf, percentile, quickOr } from "@memory-turso/bench"
import { type Served, startApi } from "./processes.js"
import { realisticEpisode } from "./realisticEpisode.js"

const SECONDS = Number(process.env["BENCH_SECONDS"] ?? quickOr(8, 20))
const HOSTILE = Number(process.env["BENCH_HOSTILE"] ?? 4)
const EPISODES = Number(process.env["BENCH_EPISODES"] ?? quickOr(5000, 20_000))
const EMBEDDINGS = Number(process.env["BENCH_EMBEDDINGS"] ?? quickOr(1000, 3000))
const DIMENSIONS = Number(process.env["BENCH_DIMENSIONS"] ?? 768)
const TAGS = 500

const ms = (n: number) => n.toFixed(1)

/** A small seeded generator, so every run loads the same data. */
const seeded = (seed: number) => () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31
  return seed / 2 ** 31
}
const random = seeded(42)

const episodeOf = (i: number) => ({
  episode_id: `ep-${i}`,
  task_description: `bench episode ${i}: ${"investigate the flaky retry path ".repeat(4)}`,
  start_time: new Date(1_700_000_000_000 + i * 60_000).toISOString(),
  tags: [`t${i % TAGS}`, `t${(i * 7) % TAGS}`, `g${i % 11}`],
  context: { domain: ["web", "cli", "data"][i % 3], tags: [`c${i % 13}`] },
  metadata: { team: `team-${i % 17}`, run: `r${i % 101}` },
  ...(i % 2 === 0 ? { end_time: new Date(1_700_000_000_000 + i * 60_000 + 5000).toISOString() } : {})
})

const vector = () => Array.from({ length: DIMENSIONS }, () => random() * 2 - 1)

const send = async (base: string, method: string, path: string, body?: unknown) => {
  const response = await fetch(`${base}${path}`, {
    method,
    ...(body === undefined
      ? {}
      : {
          body: typeof body === "string" ? body : JSON.stringify(body),
          headers: { "content-type": "application/json" }
        })
  })
  const bytes = (await response.arrayBuffer()).byteLength
  return { status: response.status, bytes }
}

/** `send`, once more if the connection was closed under it (a kept-alive socket the server timed out). */
const sendRetried = (base: string, method: string, path: string, body?: unknown) =>
  send(base, method, path, body).catch(() => send(base, method, path, body))

/** Loads the data set through the API: episodes in batches of 1000, then embeddings 16 at a time. */
const load = async (base: string) => {
  const started = performance.now()
  for (let from = 0; from < EPISODES; from += 1000) {
    const batch = Array.from({ length: Math.min(1000, EPISODES - from) }, (_, k) => episodeOf(from + k))
    const stored = await sendRetried(base, "POST", "/episodes/batch", batch)
    if (stored.status !== 200) throw new Error(`batch at ${from}: ${stored.status}`)
  }
  let next = 0
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < EMBEDDINGS) {
        const i = next++
        const put = await sendRetried(base, "PUT", `/embeddings/episode/ep-${i * Math.floor(EPISODES / EMBEDDINGS)}`, {
          model: `model-${i % 3}`,
          vector: vector()
        })
        if (put.status !== 200) throw new Error(`embedding ${i}: ${put.status}`)
      }
    })
  )
  return (performance.now() - started) / 1000
}

/** The hostile-but-valid requests, each varied per call so the query cache cannot answer it. */
const bigBody = (i: number) => {
  const episode = realisticEpisode(`big-${i}`, 900 * 1024)
  return JSON.stringify(episode)
}
const bodies = Array.from({ length: 4 }, (_, i) => bigBody(i))
const queryVectors = Array.from({ length: 8 }, vector)

type Hostile = (base: string, n: number) => Promise<{ status: number; bytes: number }>
const BIG_BODY = "POST /episodes ~900 KB valid body (2200 steps)"
const hostile: ReadonlyArray<readonly [string, Hostile]> = [
  [
    "GET /episodes?tags=<2000 values>&tags_mode=any&limit=1000",
    (base, n) =>
      send(
        base,
        "GET",
        `/episodes?tags_mode=any&limit=1000&tags=${Array.from({ length: 2000 }, (_, k) => `t${(k + n) % 2000}`).join(",")}`
      )
  ],
  [
    "GET /episodes?tags=<64 values matching all>&tags_mode=any&limit=1000&from=<varied>",
    (base, n) =>
      send(
        base,
        "GET",
        `/episodes?tags_mode=any&limit=1000&from=${new Date(1_700_000_000_000 + (n % 100) * 60_000).toISOString()}&tags=${[
          ...Array.from({ length: 11 }, (_, k) => `g${k}`),
          ...Array.from({ length: 53 }, (_, k) => `t${k}`)
        ].join(",")}`
      )
  ],
  [
    "GET /episodes?tags=<32 values> (all) + 32 metadata pairs",
    (base, n) =>
      send(
        base,
        "GET",
        `/episodes?tags=${Array.from({ length: 32 }, (_, k) => `t${(k + n) % TAGS}`).join(",")}&${Array.from(
          { length: 32 },
          (_, k) => `metadata=team:team-${(k + n) % 17}`
        ).join("&")}`
      )
  ],
  [
    "GET /episodes?metadata=team:x&tags=g1,g2&tags_mode=any&limit=1000",
    (base, n) => send(base, "GET", `/episodes?metadata=team:team-${n % 17}&tags=g1,g2&tags_mode=any&limit=1000`)
  ],
  [
    "GET /episodes?limit=1000&to=<varied>",
    (base, n) =>
      send(
        base,
        "GET",
        `/episodes?limit=1000&to=${new Date(1_700_000_000_000 + (EPISODES - n) * 60_000).toISOString()}`
      )
  ],
  [
    "GET /episodes?completed=false&domain=cli&limit=1000",
    (base, n) => send(base, "GET", `/episodes?completed=false&domain=cli&limit=${1000 - (n % 10)}`)
  ],
  [
    "POST /embeddings/search k=1000",
    (base, n) => send(base, "POST", "/embeddings/search", { vector: queryVectors[n % 8], k: 1000 - (n % 7) })
  ],
  [
    "POST /episodes/batch/get 1000 ids",
    (base, n) =>
      send(base, "POST", "/episodes/batch/get", {
        ids: Array.from({ length: 1000 }, (_, k) => `ep-${(k * 13 + n) % EPISODES}`)
      })
  ],
  [BIG_BODY, (base, n) => send(base, "POST", "/episodes", bodies[n % bodies.length])]
]

/** Requests /livez one after another until `until`; returns each latency in ms. */
const probe = async (base: string, until: number) => {
  const samples: Array<number> = []
  while (performance.now() < until) {
    const t = performance.now()
    const response = await fetch(`${base}/livez`)
    await response.arrayBuffer()
    samples.push(performance.now() - t)
    if (response.status !== 200) throw new Error(`/livez answered ${response.status}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  return samples.sort((a, b) => a - b)
}

const dir = mkdtempSync(join(tmpdir(), "memory-turso-livez-"))
let server: Served | undefined
try {
  // The 2000-value tag filter is over the default `limits.max_filters` (64, refused at once): raise it, so that the
  // filter itself is measured.
  const config = join(dir, "bench.toml")
  writeFileSync(config, "[limits]\nmax_filters = 4096\n")
  server = await startApi({ TURSO_DB_URL: `file:${join(dir, "bench.db")}`, CONFIG_FILE: config })
  const base = server.url
  const loadSeconds = await load(base)
  console.log(
    `loaded ${EPISODES} episodes (${TAGS} tags, 3 per episode) and ${EMBEDDINGS} embeddings of ${DIMENSIONS} dimensions in ${loadSeconds.toFixed(1)} s`
  )

  const idle = await probe(base, performance.now() + 3000)
  console.log(`idle /livez: p50 ${ms(percentile(idle, 0.5))} ms, p99 ${ms(percentile(idle, 0.99))} ms`)

  // warm-up: every hostile request once
  for (const [name, run] of hostile) {
    const answer = await run(base, 0)
    if (answer.status !== 200) throw new Error(`${name}: ${answer.status}`)
  }

  const phases = [
    [
      "api.livez.hostile-reads",
      "hostile reads (filters, searches, lists, batch reads)",
      hostile.filter(([name]) => name !== BIG_BODY)
    ],
    ["api.livez.big-bodies", "hostile reads and big valid bodies", hostile]
  ] as const
  const idleLatency: Latency = latencyOf("/livez idle", idle, "baseline")
  const comparisons: Array<Comparison> = []
  const figures: Array<Figure & { readonly setting: string }> = [
    { name: "data set load through the API", value: loadSeconds, unit: "s", setting: "local, embedded" }
  ]
  for (const [id, phase, kinds] of phases) {
    const until = performance.now() + SECONDS * 1000
    const perKind = new Map<string, { latencies: Array<number>; bytes: number; failures: number }>(
      kinds.map(([name]) => [name, { latencies: [], bytes: 0, failures: 0 }])
    )
    let issued = 0
    const workers = Array.from({ length: HOSTILE }, async (_, w) => {
      for (let n = w; performance.now() < until; n += HOSTILE) {
        const [name, run] = kinds[issued++ % kinds.length]!
        const t = performance.now()
        const answer = await run(base, n)
        const stats = perKind.get(name)!
        stats.latencies.push(performance.now() - t)
        stats.bytes = Math.max(stats.bytes, answer.bytes)
        if (answer.status !== 200) stats.failures++
      }
    })
    const [livez] = await Promise.all([probe(base, until), ...workers])
    console.log(
      `\n${phase}, ${HOSTILE} in flight for ${SECONDS} s: /livez ${livez.length} probes, ` +
        `p50 ${ms(percentile(livez, 0.5))} ms, p99 ${ms(percentile(livez, 0.99))} ms, max ${ms(livez[livez.length - 1]!)} ms ` +
        `(goal p99 < 50 ms: ${percentile(livez, 0.99) < 50 ? "met" : "NOT met"})`
    )
    const underLoad = latencyOf(`/livez under ${phase}`, livez, "subject")
    comparisons.push({
      id,
      title: `/livez with ${HOSTILE} ${phase} in flight beside /livez idle (p99)`,
      setting: "local, embedded",
      subject: { name: `${underLoad.name} p99`, value: underLoad.p99, unit: "ms" },
      baseline: { name: "/livez idle p99", value: idleLatency.p99, unit: "ms" },
      ratio: underLoad.p99 / idleLatency.p99,
      goal: { text: "p99 of /livez under 50 ms", met: underLoad.p99 < 50 },
      latency: [underLoad, idleLatency]
    })
    console.log("\n| hostile request | count | non-200 | p50 ms | p99 ms | largest response |")
    console.log("|---|---:|---:|---:|---:|---:|")
    for (const [name, stats] of perKind) {
      const sorted = stats.latencies.sort((a, b) => a - b)
      console.log(
        `| ${name} | ${sorted.length} | ${stats.failures} | ${ms(percentile(sorted, 0.5))} | ${ms(percentile(sorted, 0.99))} | ${(stats.bytes / 1024).toFixed(0)} KiB |`
      )
    }
    const counts = [...perKind.values()]
    figures.push(
      {
        name: `${phase}: requests answered`,
        value: counts.reduce((n, k) => n + k.latencies.length, 0),
        unit: "requests",
        setting: "local, embedded"
      },
      {
        name: `${phase}: non-200 answers`,
        value: counts.reduce((n, k) => n + k.failures, 0),
        unit: "requests",
        setting: "local, embedded"
      }
    )
  }
  emit({
    section: "api.livez",
    command: "pnpm --filter @memory-turso/api bench:livez",
    comparisons,
    figures,
    notes: [
      `${EPISODES} episodes, ${EMBEDDINGS} embeddings of ${DIMENSIONS} dimensions; ${HOSTILE} hostile requests in flight for ${SECONDS} s per phase`
    ]
  })
} finally {
  await server?.stop()
  rmSync(dir, { recursive: true, force: true })
}
