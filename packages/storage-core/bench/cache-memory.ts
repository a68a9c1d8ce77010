// Memory of a full episode cache: 10,000 cached episodes of ~4 KB JSON, measured after GC.
// Run: pnpm --filter @memory-turso/storage-core bench:memory
import { Codec } from "@memory-turso/compression"
import { Episode, DEFAULT_NAMESPACE as ns } from "@memory-turso/model"
import { Pool } from "@memory-turso/pool"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as CachedStorage from "../src/CachedStorage.js"
import * as Storage from "../src/Storage.js"

const ENTRIES = 10_000
const gc = (globalThis as { gc?: () => void }).gc
if (gc === undefined) throw new Error("run with node --expose-gc")

const episode = (i: number) =>
  Schema.decodeUnknownSync(Episode)({
    episode_id: `mem-${i}`,
    task_description: `memory benchmark episode ${i}`,
    steps: Array.from({ length: 14 }, (_, s) => ({
      step_number: s + 1,
      timestamp: new Date(1_700_000_000_000 + i * 1000 + s).toISOString(),
      tool: ["shell", "editor", "search"][s % 3],
      action: `step ${s} of episode ${i}: run the ${["unit", "integration", "e2e"][s % 3]} tests`,
      parameters: { attempt: s, path: `src/module_${i % 17}/file_${s}.ts` },
      result: { type: "success", output: `ok ${i}.${s}: ${"passed ".repeat(4 + (s % 5))}` },
      latency_ms: 10 + s
    }))
  })

const used = () => {
  gc()
  const m = process.memoryUsage()
  return { heap: m.heapUsed, external: m.external + m.arrayBuffers }
}
const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`

const program = Effect.gen(function* () {
  const url = yield* Pool.temporaryUrl
  const options: CachedStorage.Options = {
    episodes: { maxEntries: ENTRIES, ttl: "1800 seconds" },
    patterns: { maxEntries: 5000, ttl: "3600 seconds" },
    queries: { maxEntries: 1000, ttl: "300 seconds" }
  }
  const context = yield* Layer.build(
    CachedStorage.layer(options).pipe(
      Layer.provideMerge(Storage.layer()),
      Layer.provideMerge(Layer.merge(Pool.layer({ url }), Codec.layer()))
    )
  )
  const storage = Context.get(context, Storage.Storage)
  const cache = Context.get(context, CachedStorage.StorageCache)
  const jsonBytes = Buffer.byteLength(Storage.EpisodeJson.stringify(episode(0)))
  const before = used()
  // Stored in batches of 500, then each read once: the reads fill the cache, as a busy server's would.
  for (let i = 0; i < ENTRIES; i += 500) {
    yield* storage.upsertEpisodes(
      ns,
      Array.from({ length: 500 }, (_, k) => episode(i + k))
    )
  }
  for (let i = 0; i < ENTRIES; i++) yield* storage.getEpisode(ns, `mem-${i}`)
  const filled = used()
  // Serving each one once adds its encoded bytes (kept for the next request).
  let entries = 0
  for (let i = 0; i < ENTRIES; i++) {
    const cached = cache.peekEpisode(ns, `mem-${i}`)
    if (cached !== undefined) {
      entries++
      Storage.EpisodeJson.bytes(cached)
    }
  }
  const served = used()
  console.log(`${entries} cached episodes of ${jsonBytes} bytes of JSON each`)
  console.log(`| state | heap | external | per entry |`)
  console.log(`|---|---:|---:|---:|`)
  const row = (name: string, m: ReturnType<typeof used>) =>
    console.log(
      `| ${name} | ${mib(m.heap - before.heap)} | ${mib(m.external - before.external)} | ${((m.heap - before.heap + m.external - before.external) / entries / 1024).toFixed(1)} KiB |`
    )
  row("filled by reads (object + JSON text)", filled)
  row("after serving each once (+ UTF-8 bytes)", served)
  const stats = cache.stats().episodes
  console.log(`the cache reports entries ${stats.entries}, approx_bytes ${mib(stats.approx_bytes)}`)
})

Effect.runPromise(Effect.scoped(program)).catch((error) => {
  console.error(error)
  process.exit(1)
})
