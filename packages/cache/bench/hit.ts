/**
 * Cache-hit throughput, side by side in one run: raw quick-lru and a bare Map vs the AdaptiveCache Effect API.
 * Run: pnpm --filter @memory-turso/cache bench   (or: cd packages/cache && node --conditions=@memory-turso/source --import tsx bench/hit.ts)
 * Section `cache.hit` of `pnpm bench` (BENCH_QUICK=1: 300k ops, 3 rounds).
 */
import { emit, median, quickOr } from "@memory-turso/bench"
import * as Effect from "effect/Effect"
import QuickLRU from "quick-lru"
import { AdaptiveCache } from "../src/index.js"

const ENTRIES = 10_000
const OPS = quickOr(300_000, 1_000_000)
const ROUNDS = quickOr(3, 5)

const keys = Array.from({ length: ENTRIES }, (_, i) => `episode:${i}`)
// A fixed pseudo-random access order, the same for every variant.
const order = Array.from({ length: OPS }, (_, i) => keys[(i * 7919) % ENTRIES]!)
const load = Effect.die("the bench only measures hits")

const raw = new QuickLRU<string, string>({ maxSize: ENTRIES })
for (const k of keys) raw.set(k, k)
const map = new Map(keys.map((k) => [k, k]))
/** What the bare loops read, kept so the JIT cannot drop the lookups. */
let sink = 0

const variants = await Effect.runPromise(
  Effect.scoped(
    Effect.gen(function* () {
      const cache = yield* AdaptiveCache.make<string, string>({
        maxEntries: ENTRIES * 2,
        ttl: "1 hour",
        maxTtl: "2 hours",
        backgroundCleanup: false
      })
      for (const k of keys) yield* cache.set(k, k)
      const traced = Effect.fn("bench.tracedGet")((key: string) => cache.get(key, load))
      const inFiber = (body: (key: string) => Effect.Effect<string>) => () =>
        Effect.runSync(
          Effect.gen(function* () {
            for (const k of order) yield* body(k)
          })
        )
      const variants: ReadonlyArray<readonly [string, () => void]> = [
        [
          "raw quick-lru get",
          () => {
            for (const k of order) sink += raw.get(k)!.length
          }
        ],
        [
          "bare Map get",
          () => {
            for (const k of order) sink += map.get(k)!.length
          }
        ],
        ["AdaptiveCache.get, one fiber, yield* per op", inFiber((k) => cache.get(k, load))],
        ["floor: yield* Effect.succeed, no cache", inFiber((k) => Effect.succeed(k))],
        ["AdaptiveCache.getIfPresent, one fiber", inFiber((k) => Effect.map(cache.getIfPresent(k), () => k))],
        [
          "get wrapped in Effect.fn (span + stack)",
          () =>
            Effect.runSync(
              Effect.gen(function* () {
                for (let i = 0; i < OPS / 10; i++) yield* traced(order[i]!)
              })
            )
        ],
        [
          "Effect.runSync(get) per op (a fiber each)",
          () => {
            for (let i = 0; i < OPS / 10; i++) Effect.runSync(cache.get(order[i]!, load))
          }
        ]
      ]
      if (cache.unsafeStats().hits !== 0) throw new Error("unexpected reads before the bench")
      return variants
    })
  )
)

// the two slowest variants (a fiber or a span per op) run a tenth of the ops
const opsPerRun = (name: string) => (name.startsWith("Effect.runSync") || name.includes("Effect.fn") ? OPS / 10 : OPS)
const results = new Map<string, Array<number>>()
for (let round = 0; round <= ROUNDS; round++) {
  for (const [name, run] of variants) {
    const start = process.hrtime.bigint()
    run()
    const seconds = Number(process.hrtime.bigint() - start) / 1e9
    if (round === 0) continue // warm-up
    results.set(name, [...(results.get(name) ?? []), opsPerRun(name) / seconds])
  }
}

if (sink === 0) throw new Error("the bare loops read nothing")
const base = median(results.get("raw quick-lru get")!)
console.log(`cache hits over ${ENTRIES} entries, median of ${ROUNDS} rounds (node ${process.version})`)
for (const [name, xs] of results) {
  const m = median(xs)
  console.log(
    `${name.padEnd(46)} ${(m / 1e6).toFixed(2).padStart(7)} M ops/s  ${(1e9 / m).toFixed(0).padStart(5)} ns/op  ${(m / base).toFixed(3)}x raw`
  )
}

const opsPerSecond = (name: string) => ({ name, value: median(results.get(name)!), unit: "ops/s" })
const get = opsPerSecond("AdaptiveCache.get, one fiber, yield* per op")
const floor = opsPerSecond("floor: yield* Effect.succeed, no cache")
const quickLru = opsPerSecond("raw quick-lru get")
emit({
  section: "cache.hit",
  command: "pnpm --filter @memory-turso/cache bench",
  comparisons: [
    {
      id: "cache.hit.get",
      title: `cache hits over ${ENTRIES} entries: AdaptiveCache.get beside the quick-lru it wraps`,
      setting: "local, in memory",
      subject: get,
      baseline: quickLru,
      ratio: get.value / quickLru.value
    },
    {
      id: "cache.hit.effect-floor",
      title:
        "AdaptiveCache.get beside the cheapest Effect step (yield* Effect.succeed): what the cache adds to a fiber",
      setting: "local, in memory",
      subject: get,
      baseline: floor,
      ratio: get.value / floor.value
    }
  ],
  figures: [...results.keys()]
    .filter((name) => ![get.name, floor.name, quickLru.name].includes(name))
    .map((name) => ({ ...opsPerSecond(name), setting: "local, in memory" })),
  notes: [`median of ${ROUNDS} rounds of ${OPS} hits (a tenth for the two slowest), node ${process.version}`]
})
