// The embedded read path with and without the prepared-statement cache, side by side in one run.
// Run: pnpm --filter @memory-turso/storage-core bench:reads   (READS to change the number of reads per round)
// Section `storage-core.embedded-reads` of `pnpm bench` (BENCH_QUICK=1: 2500 reads x 3 rounds).
import { emit, median, percentile, quickOr } from "@memory-turso/bench"
import { Codec } from "@memory-turso/compression"
import { Episode, DEFAULT_NAMESPACE as ns } from "@memory-turso/model"
import { ConnectionPool, Database, Pool } from "@memory-turso/pool"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as Storage from "../src/Storage.js"

const READS = Number(process.env["READS"] ?? quickOr(2500, 20_000))
const EPISODES = 1000
const ROUNDS = quickOr(3, 5)

const episode = (i: number) =>
  Schema.decodeUnknownSync(Episode)({
    episode_id: `bench-${i}`,
    task_description: `benchmark episode ${i}`,
    steps: Array.from({ length: 12 }, (_, s) => ({
      step_number: s + 1,
      timestamp: new Date(1_700_000_000_000 + i * 1000 + s).toISOString(),
      tool: ["shell", "editor", "search"][s % 3],
      action: `step ${s} of episode ${i}: run the ${["unit", "integration", "e2e"][s % 3]} tests`,
      parameters: { attempt: s, path: `src/module_${i % 17}/file_${s}.ts` },
      result: { type: "success", output: `ok ${i}.${s}: ${"passed ".repeat(3 + (s % 5))}` },
      latency_ms: 10 + s
    }))
  })

/** A storage over an embedded pool with the given statement cache, and the raw Database under it. */
const build = (url: string, statementCacheSize: number) =>
  Effect.gen(function* () {
    const context = yield* Layer.build(
      Storage.layer().pipe(Layer.provideMerge(Layer.merge(Pool.layer({ url, statementCacheSize }), Codec.layer())))
    )
    return {
      storage: Context.get(context, Storage.Storage),
      db: Context.get(context, Database.Database),
      pool: Context.get(context, ConnectionPool.ConnectionPool)
    }
  })

interface Round {
  readonly p50: number
  readonly p95: number
  readonly p99: number
  readonly perSecond: number
}

/** Times `READS` reads of random ids; returns per-read microseconds (p50, p95, p99) and reads per second. */
const measure = (read: (id: string) => Effect.Effect<unknown, unknown>) =>
  Effect.gen(function* () {
    const samples: Array<number> = []
    const started = performance.now()
    for (let i = 0; i < READS; i++) {
      const id = `bench-${(i * 7919) % EPISODES}`
      const t = performance.now()
      yield* read(id)
      samples.push((performance.now() - t) * 1000)
    }
    const seconds = (performance.now() - started) / 1000
    samples.sort((a, b) => a - b)
    const round: Round = {
      p50: percentile(samples, 0.5),
      p95: percentile(samples, 0.95),
      p99: percentile(samples, 0.99),
      perSecond: READS / seconds
    }
    return round
  })

const program = Effect.gen(function* () {
  const url = yield* Pool.temporaryUrl
  const seed = yield* build(url, 0)
  yield* seed.storage.upsertEpisodes(
    ns,
    Array.from({ length: EPISODES }, (_, i) => episode(i))
  )
  const variants = [
    { name: "client (prepares every statement)", ...(yield* build(url, 0)) },
    { name: "prepared-statement cache", ...(yield* build(url, 256)) }
  ]
  const point = { sql: "SELECT payload FROM episodes WHERE namespace = 'default' AND episode_id = ?" }
  const results = new Map<string, Array<Round>>()
  for (let round = 0; round < ROUNDS; round++) {
    for (const v of variants) {
      for (const [what, read] of [
        ["point read (db.execute)", (id: string) => v.db.execute({ ...point, args: [id] })],
        ["storage.getEpisode (decode included)", (id: string) => v.storage.getEpisode(ns, id)]
      ] as const) {
        const key = `${what} | ${v.name}`
        results.set(key, [...(results.get(key) ?? []), yield* measure(read)])
      }
    }
  }
  console.log(
    `${EPISODES} episodes (~${Storage.EpisodeJson.stringify(episode(0)).length} bytes of JSON), ${READS} reads x ${ROUNDS} rounds, medians of rounds\n`
  )
  console.log("| read | engine | p50 us | p99 us | reads/s |")
  console.log("|---|---|---:|---:|---:|")
  const summary = new Map<string, number>()
  for (const [key, runs] of results) {
    const [what, engine] = key.split(" | ")
    const p50 = median(runs.map((r) => r.p50))
    summary.set(key, p50)
    console.log(
      `| ${what} | ${engine} | ${p50.toFixed(1)} | ${median(runs.map((r) => r.p99)).toFixed(1)} | ${Math.round(median(runs.map((r) => r.perSecond)))} |`
    )
  }
  for (const what of ["point read (db.execute)", "storage.getEpisode (decode included)"]) {
    const plain = summary.get(`${what} | client (prepares every statement)`)!
    const cached = summary.get(`${what} | prepared-statement cache`)!
    console.log(`\n${what}: p50 ${plain.toFixed(1)} us -> ${cached.toFixed(1)} us (${(plain / cached).toFixed(2)}x)`)
  }
  const stats = variants[1]!.pool.preparedStatements!()
  console.log(
    `\nprepared statements: hits ${stats.hits}, misses ${stats.misses}, hit rate ${stats.hit_rate.toFixed(4)}`
  )
  /** One side of a comparison: median reads/s over the rounds, and the median percentiles in ms. */
  const side = (what: string, engine: string, role: "subject" | "baseline") => {
    const runs = results.get(`${what} | ${engine}`)!
    const name = `${what}, ${engine}`
    const ms = (pick: (r: Round) => number) => median(runs.map(pick)) / 1000
    return {
      figure: { name, value: median(runs.map((r) => r.perSecond)), unit: "reads/s" },
      latency: { name, role, p50: ms((r) => r.p50), p95: ms((r) => r.p95), p99: ms((r) => r.p99) }
    }
  }
  const compare = (id: string, title: string, subject: ReturnType<typeof side>, baseline: ReturnType<typeof side>) => ({
    id,
    title,
    setting: "local, embedded",
    subject: subject.figure,
    baseline: baseline.figure,
    ratio: subject.figure.value / baseline.figure.value,
    latency: [subject.latency, baseline.latency]
  })
  const CACHED = "prepared-statement cache"
  emit({
    section: "storage-core.embedded-reads",
    command: "pnpm --filter @memory-turso/storage-core bench:reads",
    comparisons: [
      compare(
        "storage-core.embedded-reads.get-episode",
        "an episode read through Storage.getEpisode (decode included) beside the bare point read under it",
        side("storage.getEpisode (decode included)", CACHED, "subject"),
        side("point read (db.execute)", CACHED, "baseline")
      ),
      compare(
        "storage-core.embedded-reads.prepared-statements",
        "a point read with the prepared-statement cache beside the client preparing every statement",
        side("point read (db.execute)", CACHED, "subject"),
        side("point read (db.execute)", "client (prepares every statement)", "baseline")
      )
    ],
    notes: [
      `${EPISODES} episodes, ${READS} reads x ${ROUNDS} rounds, medians of rounds; hit rate ${stats.hit_rate.toFixed(4)}`
    ]
  })
})

Effect.runPromise(Effect.scoped(program)).catch((error) => {
  console.error(error)
  process.exit(1)
})
