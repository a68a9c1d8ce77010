// Bytes stored per episode by the API with its DEFAULT configuration, once it holds a few hundred 4 KB episodes (a
// dictionary built in the background), beside no compression and gzip-6 on the same held-out episodes, in one run.
// Run: pnpm --filter @memory-turso/api bench:dictionary   (BENCH_QUICK=1: fewer episodes)
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { gzipSync } from "node:zlib"
import { createClient } from "@libsql/client"
import { type Comparison, emit, QUICK_ENV } from "@memory-turso/bench"
import { type Served, startApi } from "./processes.js"
import { realisticEpisode } from "./realisticEpisode.js"

const QUICK = process.env[QUICK_ENV] === "1"
/** Stored first: the default `dictionary_samples` (200) starts the first dictionary's build on the way. */
const HISTORY = QUICK ? 250 : 400
/** Written once a dictionary is in use, and measured. */
const HELD_OUT = QUICK ? 100 : 200
const SIZE = 4096
const BATCH = 50
const GOAL = 0.4
const COMMAND = "pnpm --filter @memory-turso/api bench:dictionary"
const SETTING = "local, embedded"

interface CompressionMetrics {
  readonly dictionary_id: number
  readonly dictionaries_stored: number
  readonly dictionary_builds: number
  readonly dictionary_rebuilds: number
  readonly dictionary_held_out_ratio: number
}

const compressionOf = async (url: string) =>
  ((await (await fetch(`${url}/metrics`)).json()) as { compression: CompressionMetrics }).compression

const store = async (url: string, episodes: ReadonlyArray<object>) => {
  for (let i = 0; i < episodes.length; i += BATCH) {
    const response = await fetch(`${url}/episodes/batch`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(episodes.slice(i, i + BATCH))
    })
    if (!response.ok) throw new Error(`batch store failed: ${response.status} ${await response.text()}`)
  }
}

/** Waits (bounded) until the API writes with a dictionary. */
const dictionaryInUse = async (url: string) => {
  for (let i = 0; i < 3000; i++) {
    const compression = await compressionOf(url)
    if (compression.dictionary_id > 0) return compression
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  throw new Error("no dictionary was built within 30 s")
}

const dir = mkdtempSync(join(tmpdir(), "memory-turso-dict-"))
const file = join(dir, "bench.db")
let api: Served | undefined
try {
  const history = Array.from({ length: HISTORY }, (_, i) => realisticEpisode(`h-${i}`, SIZE))
  const heldOut = Array.from({ length: HELD_OUT }, (_, i) => realisticEpisode(`m-${i}`, SIZE))
  // The default configuration: no file, nothing set but where the database is.
  api = await startApi({ CONFIG_FILE: "", TURSO_DB_URL: `file:${file}` })
  await store(api.url, history)
  const dictionary = await dictionaryInUse(api.url)
  await store(api.url, heldOut)
  const end = await compressionOf(api.url)
  await api.stop()
  api = undefined

  // Stored bytes as the database holds them, over the canonical JSON's bytes (`payload_bytes`).
  const db = createClient({ url: `file:${file}` })
  const ratioOf = async (where: string, args: Array<string> = []) => {
    const result = await db.execute({
      sql: `SELECT sum(length(CAST(payload AS BLOB))) AS stored, sum(payload_bytes) AS json, count(*) AS n
        FROM episodes WHERE ${where}`,
      args
    })
    const row = result.rows[0]!
    return { ratio: Number(row["stored"]) / Number(row["json"]), n: Number(row["n"]) }
  }
  const measured = await ratioOf("episode_id LIKE 'm-%'")
  const withDictionary = await ratioOf("episode_id LIKE 'm-%' AND dictionary_id IS NOT NULL")
  const beforeDictionary = await ratioOf("episode_id LIKE 'h-%' AND dictionary_id IS NULL")
  db.close()
  if (measured.n !== HELD_OUT) throw new Error(`${measured.n} held-out episodes stored, expected ${HELD_OUT}`)

  // The baselines on the same held-out episodes, as sent: no compression, and gzip level 6.
  let jsonBytes = 0
  let gzipBytes = 0
  for (const episode of heldOut) {
    const json = Buffer.from(JSON.stringify(episode))
    jsonBytes += json.length
    gzipBytes += gzipSync(json, { level: 6 }).length
  }
  const gzip = gzipBytes / jsonBytes

  const subject = {
    name: `API, default configuration, ${HELD_OUT} held-out ${SIZE / 1024} KB episodes after ${HISTORY}`,
    value: measured.ratio,
    unit: "stored/JSON bytes"
  }
  const met = measured.ratio <= GOAL
  const comparisons: Array<Comparison> = [
    {
      id: "compression.default-ratio",
      title: "Stored bytes per JSON byte with the default configuration, beside no compression",
      setting: SETTING,
      subject,
      baseline: { name: "no compression", value: 1, unit: "stored/JSON bytes" },
      ratio: measured.ratio,
      goal: { text: `at most ${GOAL}`, met }
    },
    {
      id: "compression.default-vs-gzip",
      title: "Stored bytes per JSON byte with the default configuration, beside gzip level 6 on the same episodes",
      setting: SETTING,
      subject,
      baseline: { name: "gzip -6, each episode alone", value: gzip, unit: "stored/JSON bytes" },
      ratio: measured.ratio / gzip
    }
  ]
  emit({
    section: "api.compression-dictionary",
    command: COMMAND,
    comparisons,
    figures: [
      {
        name: `ratio before the first dictionary (the first ${beforeDictionary.n} of the ${HISTORY} stored first)`,
        value: beforeDictionary.ratio,
        unit: "stored/JSON bytes",
        setting: SETTING
      },
      {
        name: `held-out episodes written with a dictionary (of ${HELD_OUT})`,
        value: withDictionary.n,
        unit: "episodes",
        setting: SETTING
      },
      {
        name: `ratio the dictionary ${dictionary.dictionary_id} reached on its own held-out episodes when built`,
        value: dictionary.dictionary_held_out_ratio,
        unit: "stored/JSON bytes",
        setting: SETTING
      },
      { name: "dictionaries built", value: end.dictionary_builds, unit: "dictionaries", setting: SETTING },
      { name: "of them rebuilt on drift", value: end.dictionary_rebuilds, unit: "dictionaries", setting: SETTING }
    ],
    notes: [
      "zstd level 3, 64 KiB raw-content dictionary built from the newest episodes once 200 are stored (the defaults)",
      "stored bytes are the payload column's bytes in the database; JSON bytes are the canonical JSON's"
    ]
  })
} finally {
  if (api !== undefined) await api.stop()
  rmSync(dir, { recursive: true, force: true })
}
