// Bulk import and single POSTs through the embedded API beside the in-process engine, in the same run: 1000
// real-text episodes of ~4.5 KiB. The engine baseline (this process): JSON.stringify + zstd-codec level 3 + prepared
// INSERTs (the episode's row, its tag and metadata index rows) in one transaction per batch, on a database with the
// API's own schema. The API (a child process, compression at its default zstd level 3) takes the same episodes in
// batches of 100 through POST /episodes/batch, then one at a time through POST /episodes. CPU per episode is the
// server process's CPU time (/proc/<pid>/stat) over the episodes it stored, so the other core's noise matters less.
// Goals (issue 13): bulk import at least 0.6x the engine's episodes/s; a single POST's CPU within 3x the engine's
// per-episode CPU for the same write (one episode per transaction).
// Run: pnpm --filter @memory-turso/api bench:import   (BENCH_QUICK=1: 400 episodes, 200 single POSTs)
//   Profile the API: BENCH_BUILT=1 BENCH_CPU_PROF=<dir> (after `pnpm build`), then read self time per function.
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type Comparison, emit, QUICK_ENV } from "@memory-turso/bench"
import Sqlite from "libsql"
import { type Served, startApi, startBuiltApi } from "./processes.js"
import { realisticEpisode } from "./realisticEpisode.js"

const QUICK = process.env[QUICK_ENV] === "1"
const EPISODES = QUICK ? 400 : 1000
const SINGLES = QUICK ? 200 : 1000
const BATCH = 100
const EPISODE_BYTES = 4608
const LEVEL = 3
const NAMESPACE = "default"
const COMMAND = "pnpm --filter @memory-turso/api bench:import"
const SETTING = "local, embedded"

type Wire = ReturnType<typeof realisticEpisode>

const episodesOf = (prefix: string, n: number): Array<Wire> =>
  Array.from({ length: n }, (_, i) => realisticEpisode(`${prefix}-${i}`, EPISODE_BYTES))

/** CPU seconds (user + system) a process has used, from /proc/<pid>/stat. */
const TICKS_PER_SECOND = 100
const cpuSecondsOf = (pid: number): number => {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
  // fields[11] is utime, fields[12] stime (fields 14 and 15 of the whole line)
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND
}

/** This process's CPU seconds. */
const ownCpuSeconds = () => {
  const { system, user } = process.cpuUsage()
  return (user + system) / 1e6
}

// ---------------------------------------------------------------------------------------------------------------
// The engine: zstd-codec and libsql in this process.

interface Zstd {
  readonly Simple: new () => { compress(bytes: Uint8Array, level: number): Uint8Array | null }
}
const zstd = await new Promise<Zstd>((resolve) => {
  const require = createRequire(import.meta.url)
  const { ZstdCodec } = require("zstd-codec") as { ZstdCodec: { run(cb: (zstd: Zstd) => void): void } }
  ZstdCodec.run(resolve)
})
const simple = new zstd.Simple()

/** The engine's database: the API's schema (copied from the API's file), WAL like the API's. */
const engineDatabase = (path: string, schemaFrom: string) => {
  const source = new Sqlite(schemaFrom, { readonly: true })
  const schema = source
    .prepare("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY rowid")
    .all() as Array<{ name: string; sql: string }>
  source.close()
  // tables a virtual table (FTS5) or a vector index creates for itself are created again by their statement
  const owners = schema.filter((row) => /^CREATE VIRTUAL TABLE/i.test(row.sql)).map((row) => `${row.name}_`)
  const shadow = (name: string) => owners.some((owner) => name.startsWith(owner)) || name.endsWith("_shadow")
  const db = new Sqlite(path)
  db.exec("PRAGMA journal_mode = WAL")
  for (const { name, sql } of schema) if (!shadow(name)) db.exec(sql)
  return db
}

/** Stores episodes `perTransaction` at a time the way the engine would; returns wall and CPU seconds. */
const engineImport = (db: Sqlite.Database, episodes: ReadonlyArray<Wire>, perTransaction: number) => {
  const insert = db.prepare(
    `INSERT INTO episodes (namespace, episode_id, task_type, domain, language, start_time_ms, end_time_ms, completed, payload, payload_bytes, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
  )
  const tag = db.prepare("INSERT INTO episode_tags (namespace, tag, episode_id) VALUES (?, ?, ?)")
  const meta = db.prepare("INSERT INTO episode_metadata (namespace, episode_id, key, value) VALUES (?, ?, ?, ?)")
  const begin = db.prepare("BEGIN IMMEDIATE")
  const commit = db.prepare("COMMIT")
  const wall = performance.now()
  const cpu = ownCpuSeconds()
  for (let from = 0; from < episodes.length; from += perTransaction) {
    begin.run()
    for (const episode of episodes.slice(from, from + perTransaction)) {
      const json = JSON.stringify(episode)
      const plain = Buffer.from(json)
      const payload = simple.compress(plain, LEVEL)!
      const now = Date.now()
      insert.run([
        NAMESPACE,
        episode.episode_id,
        episode.task_type,
        episode.context.domain,
        episode.context.language,
        Date.parse(episode.start_time),
        null,
        0,
        Buffer.from(payload),
        plain.byteLength,
        now,
        now
      ])
      for (const t of new Set([...episode.tags, ...episode.context.tags])) tag.run([NAMESPACE, t, episode.episode_id])
      for (const [k, v] of Object.entries(episode.metadata)) meta.run([NAMESPACE, episode.episode_id, k, v])
    }
    commit.run()
  }
  return { seconds: (performance.now() - wall) / 1000, cpu: ownCpuSeconds() - cpu }
}

// ---------------------------------------------------------------------------------------------------------------
// The API: a child process on its own database file.

const post = async (api: Served, path: string, body: string) => {
  const response = await fetch(`${api.url}${path}`, {
    method: "POST",
    body,
    headers: { "content-type": "application/json" }
  })
  const text = await response.text()
  if (response.status !== 200) throw new Error(`${path}: ${response.status} ${text.slice(0, 300)}`)
  return text
}

/** Bulk import through POST /episodes/batch, batches sent one after another; wall and server CPU seconds. */
const apiImport = async (api: Served, episodes: ReadonlyArray<Wire>) => {
  const bodies: Array<string> = []
  for (let from = 0; from < episodes.length; from += BATCH)
    bodies.push(JSON.stringify(episodes.slice(from, from + BATCH)))
  const cpu = cpuSecondsOf(api.pid)
  const wall = performance.now()
  for (const body of bodies) await post(api, "/episodes/batch", body)
  return { seconds: (performance.now() - wall) / 1000, cpu: cpuSecondsOf(api.pid) - cpu }
}

/** Single POST /episodes, one after another; per-request latencies (ms) and server CPU seconds. */
const apiSingles = async (api: Served, episodes: ReadonlyArray<Wire>) => {
  const bodies = episodes.map((e) => JSON.stringify(e))
  const latencies: Array<number> = []
  const cpu = cpuSecondsOf(api.pid)
  const wall = performance.now()
  for (const body of bodies) {
    const started = performance.now()
    await post(api, "/episodes", body)
    latencies.push(performance.now() - started)
  }
  return { seconds: (performance.now() - wall) / 1000, cpu: cpuSecondsOf(api.pid) - cpu, latencies }
}

const percentiles = (name: string, values: ReadonlyArray<number>) => {
  const sorted = [...values].sort((a, b) => a - b)
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!
  return { name, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: sorted[sorted.length - 1]! }
}

const countRows = (path: string) => {
  const db = new Sqlite(path, { readonly: true })
  // the warm-up's episodes left out
  const count = (table: string) =>
    Number(
      (db.prepare(`SELECT count(*) AS n FROM ${table} WHERE episode_id NOT LIKE 'warm%'`).get() as { n: number }).n
    )
  const rows = { episodes: count("episodes"), tags: count("episode_tags"), metadata: count("episode_metadata") }
  db.close()
  return rows
}

// ---------------------------------------------------------------------------------------------------------------

const dir = mkdtempSync(join(tmpdir(), "bench-import-"))
const apiFile = join(dir, "api.db")
const bulk = episodesOf("bulk", EPISODES)
const singles = episodesOf("single", SINGLES)
// Warm-up before measuring: bulk batches and single POSTs. The API's CPU per single POST keeps falling for the first
// ~1000 requests while V8 optimises the request path (about 150 functions were still being compiled, on V8's own
// threads, between the 400th and the 900th POST): measured after 100 as before, a single POST's CPU was mostly the
// JIT's, not the request's.
const WARM_BATCHES = 5
const WARM_SINGLES = 1000
const warm = episodesOf("warm", WARM_BATCHES * BATCH + WARM_SINGLES)
const bytes = bulk.reduce((sum, e) => sum + Buffer.byteLength(JSON.stringify(e)), 0) / bulk.length

// BENCH_BUILT=1: the built API (plain node, `pnpm build` first), e.g. to profile it with BENCH_CPU_PROF=<dir>
const api = await (process.env["BENCH_BUILT"] === "1" ? startBuiltApi : startApi)({
  TURSO_DB_URL: `file:${apiFile}`,
  ENABLE_CACHE: "false"
})
try {
  // Warm-up: the API's modules, statements and JIT, the engine's too (on its own file).
  await apiImport(api, warm.slice(0, WARM_BATCHES * BATCH))
  await apiSingles(api, warm.slice(WARM_BATCHES * BATCH))
  const engine = engineDatabase(join(dir, "engine.db"), apiFile)
  const warmEngine = episodesOf("warm-engine", WARM_BATCHES * BATCH + WARM_SINGLES)
  engineImport(engine, warmEngine.slice(0, WARM_BATCHES * BATCH), BATCH)
  engineImport(engine, warmEngine.slice(WARM_BATCHES * BATCH), 1)

  const engineBulk = engineImport(engine, bulk, BATCH)
  const apiBulk = await apiImport(api, bulk)
  const engineSingle = engineImport(engine, singles, 1)
  const apiSingle = await apiSingles(api, singles)
  engine.close()

  const apiRows = countRows(apiFile)
  const engineRows = countRows(join(dir, "engine.db"))
  const engineRate = EPISODES / engineBulk.seconds
  const apiRate = EPISODES / apiBulk.seconds
  const us = (seconds: number, n: number) => (seconds / n) * 1e6
  const bulkRatio = apiRate / engineRate
  const singleCpu = us(apiSingle.cpu, SINGLES)
  const engineSingleCpu = us(engineSingle.cpu, SINGLES)
  const singleRatio = singleCpu / engineSingleCpu

  const comparisons: Array<Comparison> = [
    {
      id: "api.bulk-import.batch-100",
      title: `Bulk import of ${EPISODES} real-text episodes (~${Math.round(bytes)} B), batches of ${BATCH}`,
      setting: SETTING,
      subject: { name: "API POST /episodes/batch", value: apiRate, unit: "episodes/s" },
      baseline: { name: "in-process engine (JSON + zstd 3 + prepared INSERTs)", value: engineRate, unit: "episodes/s" },
      ratio: bulkRatio,
      goal: { text: "at least 0.6x the engine", met: bulkRatio >= 0.6 }
    },
    {
      id: "api.bulk-import.cpu",
      title: `CPU per episode of the bulk import, batches of ${BATCH}`,
      setting: SETTING,
      subject: { name: "API server process", value: us(apiBulk.cpu, EPISODES), unit: "us/episode" },
      baseline: { name: "in-process engine", value: us(engineBulk.cpu, EPISODES), unit: "us/episode" },
      ratio: apiBulk.cpu / engineBulk.cpu
    },
    {
      id: "api.bulk-import.single-post-cpu",
      title: `CPU per episode of ${SINGLES} single POST /episodes, one after another`,
      setting: SETTING,
      subject: { name: "API server process", value: singleCpu, unit: "us/episode" },
      baseline: { name: "in-process engine, one episode per transaction", value: engineSingleCpu, unit: "us/episode" },
      ratio: singleRatio,
      goal: { text: "within 3x the engine", met: singleRatio <= 3 },
      latency: [percentiles("API POST /episodes", apiSingle.latencies)]
    }
  ]
  emit({
    section: "api.bulk-import",
    command: COMMAND,
    comparisons,
    figures: [
      { name: "API single POST throughput", value: SINGLES / apiSingle.seconds, unit: "episodes/s", setting: SETTING },
      {
        name: "engine single-episode transactions",
        value: SINGLES / engineSingle.seconds,
        unit: "episodes/s",
        setting: SETTING
      },
      { name: "episodes stored by the API", value: apiRows.episodes, unit: "rows", setting: SETTING },
      { name: "episodes stored by the engine", value: engineRows.episodes, unit: "rows", setting: SETTING },
      { name: "tag rows API / engine", value: apiRows.tags / engineRows.tags, unit: "ratio", setting: SETTING },
      {
        name: "metadata rows API / engine",
        value: apiRows.metadata / engineRows.metadata,
        unit: "ratio",
        setting: SETTING
      }
    ],
    notes: [
      "CPU figures: the API server process's CPU time (/proc/<pid>/stat, 10 ms ticks) over the episodes it stored; the engine's is this process's CPU time around its loop",
      "The API stores the decoded episode (every default filled) in its zstd envelope; the engine stores JSON.stringify of the wire episode as a bare zstd frame"
    ]
  })
  if (apiRows.episodes !== engineRows.episodes) {
    throw new Error(`the API stored ${apiRows.episodes} episodes, the engine ${engineRows.episodes}`)
  }
} finally {
  await api.stop()
  rmSync(dir, { recursive: true, force: true })
}
