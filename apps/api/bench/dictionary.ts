// Bytes stored per episode with and without a compression dictionary, through the API, side by side in one run.
// Run: pnpm --filter @memory-turso/api bench:dictionary   (BENCH_EPISODES to change how many of each)
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type Served, startApi } from "./processes.js"
import { realisticEpisode } from "./realisticEpisode.js"

const EPISODES = Number(process.env["BENCH_EPISODES"] ?? 200)
const SIZES = [1024, 4096, 16384]
const BATCH = 50

interface Bytes {
  readonly bytes_in: number
  readonly bytes_out: number
}

const compressionOf = async (url: string) => {
  const metrics = (await (await fetch(`${url}/metrics`)).json()) as { compression: Bytes & { dictionary_id: number } }
  return metrics.compression
}

const store = async (url: string, episodes: ReadonlyArray<object>) => {
  const start = performance.now()
  for (let i = 0; i < episodes.length; i += BATCH) {
    const response = await fetch(`${url}/episodes/batch`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(episodes.slice(i, i + BATCH))
    })
    if (!response.ok) throw new Error(`batch store failed: ${response.status} ${await response.text()}`)
  }
  return performance.now() - start
}

/** Stores the history (training) episodes, then the measured ones; returns the measured ones' ratio and time. */
const run = async (url: string, history: ReadonlyArray<object>, measured: ReadonlyArray<object>) => {
  await store(url, history)
  const before = await compressionOf(url)
  const ms = await store(url, measured)
  const after = await compressionOf(url)
  return {
    ratio: (after.bytes_out - before.bytes_out) / (after.bytes_in - before.bytes_in),
    msPerEpisode: ms / measured.length,
    dictionaryId: after.dictionary_id
  }
}

const dir = mkdtempSync(join(tmpdir(), "memory-turso-dict-"))
const servers: Array<Served> = []
try {
  const config = (useDictionary: boolean) => {
    const file = join(dir, `config-${useDictionary}.toml`)
    writeFileSync(file, `[compression]\nuse_dictionary = ${useDictionary}\ndictionary_samples = ${EPISODES}\n`)
    return file
  }
  console.log(
    `${EPISODES} history episodes stored first, then ${EPISODES} more measured; zstd level 3, dictionary 64 KiB ` +
      `built once ${EPISODES} were stored, from the newest ones that fill it (embedded database, local)`
  )
  console.log("size    | ratio without | ratio with dictionary | bytes saved | ms/episode without | with")
  for (const size of SIZES) {
    const history = Array.from({ length: EPISODES }, (_, i) => realisticEpisode(`h-${size}-${i}`, size))
    const measured = Array.from({ length: EPISODES }, (_, i) => realisticEpisode(`m-${size}-${i}`, size))
    const results = []
    for (const useDictionary of [false, true]) {
      const api = await startApi({
        CONFIG_FILE: config(useDictionary),
        TURSO_DB_URL: `file:${join(dir, `bench-${size}-${useDictionary}.db`)}`
      })
      servers.push(api)
      results.push(await run(api.url, history, measured))
      await api.stop()
      servers.pop()
    }
    const [without, withDict] = results as [Awaited<ReturnType<typeof run>>, Awaited<ReturnType<typeof run>>]
    if (withDict.dictionaryId === 0) throw new Error("no dictionary was built")
    console.log(
      `${String(size / 1024).padStart(2)} KB   | ${without.ratio.toFixed(3).padStart(13)} | ${withDict.ratio
        .toFixed(3)
        .padStart(21)} | ${`${((1 - withDict.ratio / without.ratio) * 100).toFixed(0)}%`.padStart(
        11
      )} | ${without.msPerEpisode.toFixed(3).padStart(18)} | ${withDict.msPerEpisode.toFixed(3)}`
    )
  }
} finally {
  for (const server of servers) await server.stop()
  rmSync(dir, { recursive: true, force: true })
}
