// Memory of a full episode cache: 10,000 cached episodes of ~4 KB JSON (2,000 with BENCH_QUICK), measured after GC
// with process.memoryUsage (heap + external + array buffers), against the episodes' JSON bytes.
// Run: pnpm --filter @memory-turso/storage-core bench:memory
import { emit, QUICK_ENV } from "@memory-turso/bench"
import { Codec } from "@memory-turso/compression"
import { Episode, DEFAULT_NAMESPACE as ns } from "@memory-turso/model"
import { Pool } from "@memory-turso/pool"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as CachedStorage from "../src/CachedStorage.js"
import * as Storage from "../src/Storage.js"

const QUICK = process.env[QUICK_ENV] === "1"
const ENTRIES = QUICK ? 2_000 : 10_000
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

/** Heap and external bytes in use after a full collection (`external` includes the array buffers). */
const used = () => {
  gc()
  gc()
  const m = process.memoryUsage()
  return m.heapUsed + m.external
}

const program = Effect.gen(function* () {
  const url = yield* Pool.temporaryUrl
  const options: CachedStorage.Options = {
    // Room for all: quick-lru's two generations hold between half and all of maxEntries.
    episodes: { maxEntries: 2 * ENTRIES, ttl: "1800 seconds" },
    patterns: { maxEntries: 5000, ttl: "3600 seconds" },
    queries: { maxEntries: 1000, ttl: "300 seconds" }
  }
  const base = yield* Layer.build(
    Storage.layer().pipe(Layer.provideMerge(Layer.merge(Pool.layer({ url }), Codec.layer())))
  )
  const uncached = Context.get(base, Storage.Storage)
  // Stored first without the cache, in batches of 500, so the measurement holds the cache's entries only.
  let jsonBytes = 0
  for (let i = 0; i < ENTRIES; i += 500) {
    const stored = yield* uncached.upsertEpisodes(
      ns,
      Array.from({ length: 500 }, (_, k) => episode(i + k))
    )
    for (const e of stored) jsonBytes += Buffer.byteLength(Storage.EpisodeJson.stringify(e))
  }
  const context = yield* Layer.build(CachedStorage.layer(options)).pipe(Effect.provide(base))
  const storage = Context.get(context, Storage.Storage)
  const cache = Context.get(context, CachedStorage.StorageCache)
  const before = used()
  // Each read once: the reads fill the cache, as a busy server's would (a write fills it the same way).
  for (let i = 0; i < ENTRIES; i++) yield* storage.getEpisode(ns, `mem-${i}`)
  const filled = used()
  // Serving each from the cache adds nothing: the response is the cached bytes.
  let served = 0
  for (let i = 0; i < ENTRIES; i++) if (cache.peekEpisode(ns, `mem-${i}`) !== undefined) served++
  const afterServing = used()
  const stats = cache.stats().episodes
  const perJson = jsonBytes / ENTRIES
  const perEntry = (filled - before) / stats.entries
  const perEntryServed = (afterServing - before) / stats.entries
  emit({
    section: "storage-core.cache-memory",
    command: "pnpm --filter @memory-turso/storage-core bench:memory",
    comparisons: [
      {
        id: "storage-core.cache-memory.per-episode",
        title: `Memory per cached episode (${stats.entries} cached, measured after GC) vs its JSON bytes`,
        setting: "local, embedded",
        subject: { name: "bytes per cached episode (heap + external)", value: perEntryServed, unit: "bytes" },
        baseline: { name: "the episode's canonical JSON", value: perJson, unit: "bytes" },
        ratio: perEntryServed / perJson,
        goal: { text: "at most 2x the JSON bytes", met: perEntryServed <= 2 * perJson }
      }
    ],
    figures: [
      { name: "per cached episode, filled by reads", value: perEntry, unit: "bytes", setting: "local, embedded" },
      { name: "cached episodes served once", value: served, unit: "entries", setting: "local, embedded" },
      {
        name: "weight the cache reports per entry (approx_bytes / entries)",
        value: stats.approx_bytes / stats.entries,
        unit: "bytes",
        setting: "local, embedded"
      }
    ],
    notes: [
      `${stats.entries} episodes of ${Math.round(perJson)} bytes of JSON; each entry holds the canonical JSON bytes and the version only`
    ]
  })
})

Effect.runPromise(Effect.scoped(program)).catch((error) => {
  console.error(error)
  process.exit(1)
})
