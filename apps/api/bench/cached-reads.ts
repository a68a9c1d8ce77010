// GET /episodes/:id through the API, uncached vs cached, against bare node:http serving the same bytes.
// Run: pnpm --filter @memory-turso/api bench:cache   (BENCH_SECONDS, BENCH_CONNECTIONS to change the load)
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import autocannon from "autocannon"
import { type Served, startApi, startBare } from "./processes.js"
import { realisticEpisode } from "./realisticEpisode.js"

const SECONDS = Number(process.env["BENCH_SECONDS"] ?? 10)
const CONNECTIONS = Number(process.env["BENCH_CONNECTIONS"] ?? 50)

interface Result {
  readonly name: string
  readonly rps: number
  readonly p50: number
  readonly p99: number
  readonly errors: number
}

const load = async (name: string, url: string): Promise<Result> => {
  await autocannon({ url, connections: CONNECTIONS, duration: 2 }) // warm-up
  const result = await autocannon({ url, connections: CONNECTIONS, duration: SECONDS })
  return {
    name,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx
  }
}

const dir = mkdtempSync(join(tmpdir(), "memory-turso-bench-"))
const url = `file:${join(dir, "bench.db")}`
const episode = realisticEpisode("bench-episode", 4096)
const servers: Array<Served> = []
try {
  const seed = await startApi({ TURSO_DB_URL: url })
  servers.push(seed)
  const created = await fetch(`${seed.url}/episodes`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(episode)
  })
  const body = await created.text()
  await seed.stop()
  servers.pop()
  console.log(`episode JSON: ${Buffer.byteLength(body)} bytes; ${CONNECTIONS} connections, ${SECONDS} s per run`)

  const results: Array<Result> = []
  for (const [name, start] of [
    ["bare node:http (limit)", () => startBare(body)],
    ["API, cache off", () => startApi({ TURSO_DB_URL: url, ENABLE_CACHE: "false" })],
    ["API, cache on", () => startApi({ TURSO_DB_URL: url, ENABLE_CACHE: "true" })]
  ] as const) {
    const server = await start()
    servers.push(server)
    const target = name.startsWith("bare") ? server.url : `${server.url}/episodes/${episode.episode_id}`
    const check = await (await fetch(target)).text()
    if (check !== body) throw new Error(`${name} served different bytes`)
    results.push(await load(name, target))
    await server.stop()
    servers.pop()
  }
  const limit = results[0]!.rps
  console.log("\n| variant | req/s | p50 ms | p99 ms | errors | vs limit |")
  console.log("|---|---:|---:|---:|---:|---:|")
  for (const r of results) {
    console.log(
      `| ${r.name} | ${Math.round(r.rps)} | ${r.p50} | ${r.p99} | ${r.errors} | ${(r.rps / limit).toFixed(2)}x |`
    )
  }
  const cached = results[2]!.rps
  const uncached = results[1]!.rps
  console.log(
    `\ncached / uncached: ${(cached / uncached).toFixed(2)}x; cached / limit: ${(cached / limit).toFixed(2)}x (goal >= 0.70x)`
  )
} finally {
  for (const server of servers) await server.stop()
  rmSync(dir, { recursive: true, force: true })
}
