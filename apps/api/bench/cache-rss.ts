// The API's memory with a full episode cache under load: the built API as a child process (embedded, cache sized for
// all of them), 10,000 distinct ~4 KB episodes written through the batch route (each write fills the cache), then
// 50 connections of autocannon reading them at random; the child's RSS read from /proc/<pid>/status while it runs.
// Goal: under 256 MB (256,000,000 bytes, as the issue writes it; figures in MB too). The API runs as deployed: with
// the node flags of the Dockerfile's CMD (its heap limit; see `deployedNodeFlags`).
// Run: pnpm --filter @memory-turso/api bench:rss   (BENCH_QUICK=1: a shorter load)
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { emit, QUICK_ENV } from "@memory-turso/bench"
import autocannon from "autocannon"
import { deployedNodeFlags, type Served, startBuiltApi } from "./processes.js"
import { realisticEpisode } from "./realisticEpisode.js"

const QUICK = process.env[QUICK_ENV] === "1"
const EPISODES = 10_000
const BATCH = 100
const EPISODE_BYTES = 4096
const CONNECTIONS = 50
const SECONDS = QUICK ? 5 : 15
/** 256 MB: decimal megabytes, as the goal is written. */
const GOAL_BYTES = 256_000_000
const SETTING = "local, embedded"
const MB = 1_000_000

/** A process's resident set size now, from /proc. */
const rssOf = (pid: number): number => {
  const status = readFileSync(`/proc/${pid}/status`, "utf8")
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(status)
  if (kb === null) throw new Error(`no VmRSS in /proc/${pid}/status`)
  return Number(kb[1]) * 1024
}

const dir = mkdtempSync(join(tmpdir(), "memory-turso-rss-"))
let api: Served | undefined
try {
  api = await startBuiltApi({
    TURSO_DB_URL: `file:${join(dir, "rss.db")}`,
    ENABLE_CACHE: "true",
    // quick-lru's two generations hold between half and all of max_episodes: room for all of them.
    CACHE_SIZE_EPISODES: String(2 * EPISODES)
  })
  const idle = rssOf(api.pid)
  let jsonBytes = 0
  for (let i = 0; i < EPISODES; i += BATCH) {
    const batch = Array.from({ length: BATCH }, (_, k) => realisticEpisode(`rss-${i + k}`, EPISODE_BYTES))
    for (const e of batch) jsonBytes += Buffer.byteLength(JSON.stringify(e))
    const response = await fetch(`${api.url}/episodes/batch`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(batch)
    })
    if (response.status !== 200) throw new Error(`batch answered ${response.status}: ${await response.text()}`)
    await response.text()
  }
  const written = rssOf(api.pid)
  let peak = written
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssOf(api!.pid))
  }, 100)
  let counter = 0
  const result = await autocannon({
    url: api.url,
    connections: CONNECTIONS,
    duration: SECONDS,
    requests: [
      {
        method: "GET",
        setupRequest: (request) => ({ ...request, path: `/episodes/rss-${(counter++ * 7919) % EPISODES}` })
      }
    ]
  })
  clearInterval(sampler)
  const loaded = rssOf(api.pid)
  peak = Math.max(peak, loaded)
  const metrics = (await (await fetch(`${api.url}/metrics`)).json()) as {
    cache: { episode_hits: number; episode_misses: number; hit_rate: number }
    process: { heap_used_bytes: number }
  }
  const errors = result.errors + result.non2xx
  if (errors > 0) throw new Error(`${errors} requests failed`)
  emit({
    section: "api.cache-rss",
    command: "pnpm --filter @memory-turso/api bench:rss",
    comparisons: [
      {
        id: "api.cache-rss.10k",
        title: `The API's peak RSS with ${EPISODES} cached ~4 KB episodes under ${CONNECTIONS} connections of reads`,
        setting: SETTING,
        subject: { name: "API peak RSS (/proc VmRSS, sampled every 100 ms)", value: peak / MB, unit: "MB" },
        baseline: { name: "the goal", value: GOAL_BYTES / MB, unit: "MB" },
        ratio: peak / GOAL_BYTES,
        goal: { text: "under 256 MB (256,000,000 bytes)", met: peak < GOAL_BYTES },
        latency: [{ name: "GET /episodes/:id (cached)", p50: result.latency.p50, p99: result.latency.p99 }]
      }
    ],
    figures: [
      { name: "API RSS after start", value: idle / MB, unit: "MB", setting: SETTING },
      { name: `API RSS after writing ${EPISODES} episodes`, value: written / MB, unit: "MB", setting: SETTING },
      { name: "API RSS after the load", value: loaded / MB, unit: "MB", setting: SETTING },
      {
        name: "API heap used after the load",
        value: metrics.process.heap_used_bytes / MB,
        unit: "MB",
        setting: SETTING
      },
      { name: "episodes' JSON", value: jsonBytes / MB, unit: "MB", setting: SETTING },
      { name: "cached reads", value: result.requests.average, unit: "req/s", setting: SETTING },
      { name: "episode cache hit rate during the run", value: metrics.cache.hit_rate, unit: "ratio", setting: SETTING }
    ],
    notes: [
      `${SECONDS} s of load; reads cycle over the ${EPISODES} episodes (every one a cache hit)`,
      `the API runs as deployed: node ${deployedNodeFlags().join(" ")} dist/main.js (the Dockerfile's CMD)`,
      "RSS includes ~55 MB of mapped node binary and libraries (the codec's 16 MiB WebAssembly memory is reserved, about 1 MB of it resident); a heap snapshot after the writes holds ~36 MB of live JavaScript heap and ~47 MB of cached JSON bytes outside it (about 1.1x the JSON): the rest is garbage awaiting a full collection"
    ]
  })
} finally {
  await api?.stop()
  rmSync(dir, { recursive: true, force: true })
}
