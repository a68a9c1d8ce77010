// GET /episodes/:id through the API over many distinct episodes, uncached (cache off) and cached (every one in the
// cache), beside bare node:http serving the same bytes, in one run. Also measured in the same run, as context: the
// engine's own cost of one read (a prepared statement on the same file, then the codec's decode), and the API
// process's CPU per request in each variant.
// Run: pnpm --filter @memory-turso/api bench:cache
//   (BENCH_SECONDS: seconds per variant, default 10 (4 with BENCH_QUICK=1); BENCH_CONNECTIONS: default 50;
//    BENCH_EPISODES: distinct episodes read, default 2000 (500 quick))
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type Comparison, emit, type Latency, QUICK_ENV } from "@memory-turso/bench"
import autocannon, { type Request } from "autocannon"
import { engineReadCost } from "./engineReads.js"
import { cpuSeconds, type Served, startApi, startBare } from "./processes.js"
import { realisticEpisode } from "./realisticEpisode.js"

const QUICK = process.env[QUICK_ENV] === "1"
const SECONDS = Number(process.env["BENCH_SECONDS"] ?? (QUICK ? 4 : 10))
const CONNECTIONS = Number(process.env["BENCH_CONNECTIONS"] ?? 50)
const EPISODES = Number(process.env["BENCH_EPISODES"] ?? (QUICK ? 500 : 2000))
const COMMAND = "pnpm --filter @memory-turso/api bench:cache"
const SETTING = "local, embedded"

interface Result {
  readonly name: string
  readonly rps: number
  readonly latency: Latency
  readonly errors: number
  /** CPU of the serving process per request, in microseconds. */
  readonly cpuUs: number
}

/** Runs the load on `path(i)` for the i-th request (a warm-up pass first), measuring the server's CPU too. */
const load = async (name: string, server: Served, path: (i: number) => string): Promise<Result> => {
  let i = 0
  const options = {
    url: server.url,
    connections: CONNECTIONS,
    requests: [{ method: "GET", setupRequest: (request: Request) => ({ ...request, path: path(i++) }) }]
  }
  await autocannon({ ...options, duration: 2 }) // warm-up
  const cpuBefore = cpuSeconds(server.pid)
  const result = await autocannon({ ...options, duration: SECONDS })
  const cpu = cpuSeconds(server.pid) - cpuBefore
  const total = result.requests.total
  return {
    name,
    rps: result.requests.average,
    latency: { name, p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
    errors: result.errors + result.non2xx,
    cpuUs: (cpu / total) * 1e6
  }
}

const dir = mkdtempSync(join(tmpdir(), "memory-turso-bench-"))
const url = `file:${join(dir, "bench.db")}`
const ids = Array.from({ length: EPISODES }, (_, i) => `bench-episode-${i}`)
const byIndex = (i: number) => `/episodes/${ids[(i * 7919) % ids.length]}`
const servers: Array<Served> = []
try {
  const seed = await startApi({ TURSO_DB_URL: url })
  servers.push(seed)
  for (let start = 0; start < ids.length; start += 100) {
    const batch = ids.slice(start, start + 100).map((id) => realisticEpisode(id, 4096))
    const stored = await fetch(`${seed.url}/episodes/batch`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(batch)
    })
    if (!stored.ok) throw new Error(`seeding failed: ${stored.status} ${await stored.text()}`)
  }
  const sample = await (await fetch(`${seed.url}${byIndex(0)}`)).text()
  await seed.stop()
  servers.pop()
  const bytes = Buffer.byteLength(sample)
  console.log(
    `${EPISODES} distinct episodes of ~${bytes} bytes of JSON; ${CONNECTIONS} connections, ${SECONDS} s per variant`
  )

  const engine = await engineReadCost(join(dir, "bench.db"), ids, QUICK ? 5_000 : 20_000)
  console.log(
    `engine (prepared statement + codec decode, in-process): ${engine.readUs.toFixed(1)} us/read (${engine.selectUs.toFixed(1)} us select, ${engine.decodeUs.toFixed(1)} us decode)`
  )

  const results: Array<Result> = []
  const variants = [
    ["bare node:http", () => startBare(sample), () => "/"],
    ["API, cache off", () => startApi({ TURSO_DB_URL: url, ENABLE_CACHE: "false" }), byIndex],
    [
      "API, cache on",
      () => startApi({ TURSO_DB_URL: url, ENABLE_CACHE: "true", CACHE_SIZE_EPISODES: String(EPISODES * 2) }),
      byIndex
    ]
  ] as const
  const bodies = new Map<string, string>()
  for (const [name, start, path] of variants) {
    const server = await start()
    servers.push(server)
    // the same bytes from every variant (the bare server's one body is the first episode's)
    const check = await (await fetch(`${server.url}${path(0)}`)).text()
    if (check !== sample) throw new Error(`${name} served different bytes`)
    if (name !== "bare node:http") {
      for (const i of [1, 2, 3]) {
        const body = await (await fetch(`${server.url}${path(i)}`)).text()
        if ((bodies.get(path(i)) ?? body) !== body) throw new Error(`${name} served different bytes for ${path(i)}`)
        bodies.set(path(i), body)
      }
    }
    if (name === "API, cache on") {
      // every episode in the cache before the load: the cached variant measures hits only
      for (let start = 0; start < ids.length; start += 50) {
        await Promise.all(
          ids
            .slice(start, start + 50)
            .map(async (_, k) => (await fetch(`${server.url}${path(start + k)}`)).arrayBuffer())
        )
      }
    }
    results.push(await load(name, server, path))
    await server.stop()
    servers.pop()
  }
  const [bare, uncached, cached] = results as [Result, Result, Result]
  console.log("\n| variant | req/s | p50 ms | p99 ms | errors | server CPU us/req |")
  console.log("|---|---:|---:|---:|---:|---:|")
  for (const r of results) {
    console.log(
      `| ${r.name} | ${Math.round(r.rps)} | ${r.latency.p50} | ${r.latency.p99} | ${r.errors} | ${r.cpuUs.toFixed(0)} |`
    )
  }
  const errors = results.reduce((n, r) => n + r.errors, 0)
  if (errors > 0) throw new Error(`${errors} requests failed`)
  const throughput = (r: Result, name: string) => ({ name, value: r.rps, unit: "req/s" })
  const comparisons: Array<Comparison> = [
    {
      id: "api.reads.cached-vs-bare",
      title: "Cached GET /episodes/:id against bare node:http serving the same bytes",
      setting: SETTING,
      subject: throughput(cached, "API, cache on"),
      baseline: throughput(bare, "bare node:http"),
      ratio: cached.rps / bare.rps,
      goal: { text: ">= 0.70x of bare node:http", met: cached.rps / bare.rps >= 0.7 },
      latency: [cached.latency, bare.latency]
    },
    {
      id: "api.reads.uncached-vs-cached",
      title: `Uncached GET /episodes/:id (cache off, ${EPISODES} distinct episodes) against cached`,
      setting: SETTING,
      subject: throughput(uncached, "API, cache off"),
      baseline: throughput(cached, "API, cache on"),
      ratio: uncached.rps / cached.rps,
      goal: { text: ">= 0.25x of the cached read", met: uncached.rps / cached.rps >= 0.25 },
      latency: [uncached.latency, cached.latency]
    }
  ]
  emit({
    section: "api.reads",
    command: COMMAND,
    comparisons,
    figures: [
      { name: "episode JSON", value: bytes, unit: "bytes", setting: SETTING },
      { name: "engine read + decode per read", value: engine.readUs, unit: "us", setting: SETTING },
      { name: "API CPU per uncached read", value: uncached.cpuUs, unit: "us", setting: SETTING },
      { name: "API CPU per cached read", value: cached.cpuUs, unit: "us", setting: SETTING },
      { name: "bare node:http CPU per request", value: bare.cpuUs, unit: "us", setting: SETTING }
    ],
    notes: [
      `${CONNECTIONS} connections, ${SECONDS} s per variant; autocannon shares the two cores with the server`,
      `engine = a prepared SELECT on the same file + the codec's decode, in one process, no HTTP: ${engine.selectUs.toFixed(1)} us + ${engine.decodeUs.toFixed(1)} us`
    ]
  })
} finally {
  for (const server of servers) await server.stop()
  rmSync(dir, { recursive: true, force: true })
}
