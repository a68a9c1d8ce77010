// Bytes stored per episode by the API with its DEFAULT configuration, once it holds a few hundred 4 KB episodes (a
// dictionary built in the background), beside no compression and gzip-6 on the same held-out episodes, in one run.
// Run: pnpm --filter @memory-turso/api bench:dictionary   (BENCH_QUICK=1: fewer episodes)
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { gzipSync } from "node:zlib"
import { createClient } from "@libsql/client"
import { type Comparison, emit, type Figure, QUICK_ENV } from "@memory-turso/bench"
import { codecCorpusEpisode } from "./codecCorpusEpisode.js"
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

/** What one run of the API with its default configuration stored. */
interface Measured {
  /** Held-out episodes: stored bytes over JSON bytes. */
  readonly ratio: number
  /** The same held-out episodes, each alone through gzip level 6. */
  readonly gzip: number
  /** The episodes stored before the first dictionary existed, and their ratio. */
  readonly before: { readonly ratio: number; readonly n: number }
  /** Held-out episodes written with a dictionary. */
  readonly withDictionary: number
  readonly dictionary: CompressionMetrics
  readonly end: CompressionMetrics
}

/**
 * Starts the API with no configuration over a fresh database, stores `history` (a dictionary is built in the
 * background on the way), waits until new writes use one, stores `heldOut`, stops the API and measures in the
 * database.
 */
const measure = async (history: ReadonlyArray<object>, heldOut: ReadonlyArray<object>): Promise<Measured> => {
  const dir = mkdtempSync(join(tmpdir(), "memory-turso-dict-"))
  const file = join(dir, "bench.db")
  let api: Served | undefined
  try {
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
    const ratioOf = async (where: string) => {
      const result = await db.execute(
        `SELECT sum(length(CAST(payload AS BLOB))) AS stored, sum(payload_bytes) AS json, count(*) AS n
          FROM episodes WHERE ${where}`
      )
      const row = result.rows[0]!
      return { ratio: Number(row["stored"]) / Number(row["json"]), n: Number(row["n"]) }
    }
    const measured = await ratioOf("episode_id LIKE 'm-%'")
    const withDictionary = await ratioOf("episode_id LIKE 'm-%' AND dictionary_id IS NOT NULL")
    const before = await ratioOf("episode_id LIKE 'h-%' AND dictionary_id IS NULL")
    db.close()
    if (measured.n !== heldOut.length) throw new Error(`${measured.n} held-out episodes stored of ${heldOut.length}`)

    // The baseline on the same held-out episodes, as sent: gzip level 6, each alone.
    let jsonBytes = 0
    let gzipBytes = 0
    for (const episode of heldOut) {
      const json = Buffer.from(JSON.stringify(episode))
      jsonBytes += json.length
      gzipBytes += gzipSync(json, { level: 6 }).length
    }
    return {
      ratio: measured.ratio,
      gzip: gzipBytes / jsonBytes,
      before,
      withDictionary: withDictionary.n,
      dictionary,
      end
    }
  } finally {
    if (api !== undefined) await api.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

const corpora = [
  {
    id: "api.dictionary.default-ratio",
    name: "the API's real-text episodes (bench/realisticEpisode.ts)",
    make: (id: string, _i: number) => realisticEpisode(id, SIZE)
  },
  {
    id: "api.dictionary.default-ratio.codec-corpus",
    name: "the compression benchmark's corpus (packages/compression/bench/corpus.ts)",
    make: (id: string, i: number) => codecCorpusEpisode(id, (id.startsWith("h-") ? 1_000_000 : 2_000_000) + i, SIZE)
  }
] as const

const comparisons: Array<Comparison> = []
const figures: Array<Figure & { readonly setting: string }> = []
for (const corpus of corpora) {
  const history = Array.from({ length: HISTORY }, (_, i) => corpus.make(`h-${i}`, i))
  const heldOut = Array.from({ length: HELD_OUT }, (_, i) => corpus.make(`m-${i}`, i))
  const result = await measure(history, heldOut)
  const subject = {
    name: `API, default configuration: ${HELD_OUT} held-out ${SIZE / 1024} KB episodes after ${HISTORY}, ${corpus.name}`,
    value: result.ratio,
    unit: "stored/JSON bytes"
  }
  comparisons.push(
    {
      id: corpus.id,
      title: `Stored bytes per JSON byte with the default configuration, beside no compression: ${corpus.name}`,
      setting: SETTING,
      subject,
      baseline: { name: "no compression", value: 1, unit: "stored/JSON bytes" },
      ratio: result.ratio,
      goal: { text: `at most ${GOAL}`, met: result.ratio <= GOAL }
    },
    {
      id: corpus.id.replace("default-ratio", "default-vs-gzip"),
      title: `Stored bytes per JSON byte with the default configuration, beside gzip-6: ${corpus.name}`,
      setting: SETTING,
      subject,
      baseline: { name: "gzip -6, each episode alone", value: result.gzip, unit: "stored/JSON bytes" },
      ratio: result.ratio / result.gzip
    }
  )
  const figure = (name: string, value: number, unit: string) =>
    figures.push({ name: `${corpus.id}: ${name}`, value, unit, setting: SETTING })
  figure(
    `ratio before the first dictionary (the first ${result.before.n} of the ${HISTORY} stored first)`,
    result.before.ratio,
    "stored/JSON bytes"
  )
  figure(`held-out episodes written with a dictionary (of ${HELD_OUT})`, result.withDictionary, "episodes")
  figure(
    `ratio dictionary ${result.dictionary.dictionary_id} reached on its own held-out episodes when built`,
    result.dictionary.dictionary_held_out_ratio,
    "stored/JSON bytes"
  )
  figure("dictionaries built", result.end.dictionary_builds, "dictionaries")
  figure("of them rebuilt on drift", result.end.dictionary_rebuilds, "dictionaries")
}

emit({
  section: "api.dictionary",
  command: COMMAND,
  comparisons,
  figures,
  notes: [
    "zstd level 3, 64 KiB raw-content dictionary built from the newest episodes once 200 are stored (the defaults)",
    "stored bytes are the payload column's bytes in the database; JSON bytes are the canonical JSON's"
  ]
})
