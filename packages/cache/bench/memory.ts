/**
 * Memory of a full cache of 4 KB JSON strings, against a raw quick-lru sized at the same maxEntries.
 * Run: pnpm --filter @memory-turso/cache bench:memory   (section `cache.memory` of `pnpm bench`; quick as it is)
 */
import { emit } from "@memory-turso/bench"
import * as Effect from "effect/Effect"
import QuickLRU from "quick-lru"
import { AdaptiveCache } from "../src/index.js"

const MAX_ENTRIES = 10_000
const VALUE_BYTES = 4096

const gc = (globalThis as { gc?: () => void }).gc
if (gc === undefined) throw new Error("run with pnpm --filter @memory-turso/cache bench:memory (node --expose-gc)")

const heap = () => {
  for (let i = 0; i < 3; i++) gc()
  return process.memoryUsage().heapUsed
}

/** A distinct 4096-character Latin-1 JSON string (one byte per character in V8). */
const value = (i: number) => {
  const head = JSON.stringify({ id: `episode-${i}`, content: "" })
  return JSON.stringify({ id: `episode-${i}`, content: "x".repeat(VALUE_BYTES - head.length) })
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`

const measure = async (name: string, fill: () => Promise<{ held: number; keep: unknown }>) => {
  const before = heap()
  const { held, keep } = await fill()
  const after = heap()
  const delta = after - before
  console.log(
    `${name.padEnd(44)} held ${String(held).padStart(6)} entries  heap +${mib(delta).padStart(9)}  ${(delta / held / 1024).toFixed(2)} KiB/entry`
  )
  perEntry.set(name, delta / held)
  return keep
}

/** Heap bytes per entry held, by store. */
const perEntry = new Map<string, number>()

console.log(`${MAX_ENTRIES} max entries of ${VALUE_BYTES}-byte JSON strings, node ${process.version}`)

// quick-lru holds the most (2 * maxSize - 1) just before a generation turns over: stop the fill there.
// Both stores stay referenced to the end, so one's collection cannot hide in the other's figure.
const kept: Array<unknown> = []
kept.push(
  await measure("AdaptiveCache (quick-lru maxSize = max / 2)", async () => {
    const maxSize = Math.ceil(MAX_ENTRIES / 2)
    return Effect.runPromise(
      Effect.gen(function* () {
        const cache = yield* AdaptiveCache.make<string, string>({
          maxEntries: MAX_ENTRIES,
          ttl: "1 hour",
          maxTtl: "2 hours",
          backgroundCleanup: false,
          weigh: (v) => v.length
        })
        for (let i = 0; i < 3 * maxSize + maxSize - 1; i++) yield* cache.set(`episode:${i}`, value(i))
        const stats = cache.unsafeStats()
        console.log(
          `  stats: entries ${stats.entries}, evictions ${stats.evictions}, approx_bytes ${mib(stats.approx_bytes)}`
        )
        return { held: stats.entries, keep: cache }
      }).pipe(Effect.scoped)
    )
  })
)

kept.push(
  await measure("raw quick-lru, maxSize = max (up to 2x)", async () => {
    const lru = new QuickLRU<string, string>({ maxSize: MAX_ENTRIES })
    for (let i = 0; i < 3 * MAX_ENTRIES + MAX_ENTRIES - 1; i++) lru.set(`episode:${i}`, value(i))
    return { held: [...lru].length, keep: lru }
  })
)
console.log(`(kept ${kept.length} stores alive while measuring)`)

const figure = (name: string) => ({ name: `${name}: heap per entry`, value: perEntry.get(name)!, unit: "bytes" })
const cache = figure("AdaptiveCache (quick-lru maxSize = max / 2)")
const raw = figure("raw quick-lru, maxSize = max (up to 2x)")
emit({
  section: "cache.memory",
  command: "pnpm --filter @memory-turso/cache bench:memory",
  comparisons: [
    {
      id: "cache.memory.per-entry",
      title: `heap per entry of a full AdaptiveCache beside a raw quick-lru, ${VALUE_BYTES}-byte JSON strings`,
      setting: "local, in memory",
      subject: cache,
      baseline: raw,
      ratio: cache.value / raw.value
    },
    {
      id: "cache.memory.per-entry-vs-value",
      title: "heap per entry of a full AdaptiveCache beside the bytes of the value it holds",
      setting: "local, in memory",
      subject: cache,
      baseline: { name: "the value's bytes (Latin-1 string)", value: VALUE_BYTES, unit: "bytes" },
      ratio: cache.value / VALUE_BYTES
    }
  ],
  notes: [`${MAX_ENTRIES} max entries, heap after global.gc(), filled to the point before a generation turns over`]
})
