/**
 * Compression ratio and speed on realistic agent episodes, side by side in one run.
 *
 *   pnpm --filter @memory-turso/compression bench
 *
 * Everything goes through the Codec service (envelope included), with threshold_bytes 0 and
 * min_savings 0 so every document is compressed and measured. Ratio = stored bytes / original bytes
 * (smaller is better); "frame" ratio leaves out the envelope's 32-byte header + frame table.
 * MB/s = 10^6 original bytes per second, one core, synchronous calls, best of 3 timed passes.
 * Section `compression.ratio` of `pnpm bench` (BENCH_QUICK=1: 4 and 16 KB episodes, four variants, no embeddings).
 */
import { emit, type Figure, quickOr } from "@memory-turso/bench"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import * as CodecModule from "../src/Codec.js"
import * as Envelope from "../src/Envelope.js"
import { embedding, episode } from "./corpus.js"
import * as Dictionary from "./dictionary.js"

const utf8 = new TextEncoder()
const scope = Effect.runSync(Scope.make())
const codecOf = (options: CodecModule.Options) => Effect.runPromise(Scope.extend(CodecModule.make(options), scope))

const SIZES = quickOr([4, 16] as const, [1, 4, 16, 64] as const)
const DOCS: Record<(typeof SIZES)[number], number> = { 1: 400, 4: 200, 16: 60, 64: 20 }
/** The dictionary the quick run keeps (the comparisons use it). */
const DICTIONARY = "concat-64K"
const QUICK_VARIANTS = ["zstd-3", "gzip-6", "zstd-9", `zstd-3 + dict ${DICTIONARY}`]
const TRAINING_SEED = 5_000_000
const EVAL_SEED = 1

// Training set for dictionaries: separate seeds, never evaluated on.
const training = Array.from({ length: 300 }, (_, i) =>
  utf8.encode(episode(TRAINING_SEED + i, [1, 2, 4, 8][i % 4]! * 1024))
)
const dictionaries: Record<string, Uint8Array> = quickOr(
  { [DICTIONARY]: Dictionary.concatenated(training, 64 * 1024) },
  {
    "concat-32K": Dictionary.concatenated(training, 32 * 1024),
    [DICTIONARY]: Dictionary.concatenated(training, 64 * 1024),
    "concat-112K": Dictionary.concatenated(training, 112 * 1024),
    "cover-64K": Dictionary.cover(training, 64 * 1024)
  }
)

interface Variant {
  readonly name: string
  readonly options: CodecModule.Options
}

const base = { threshold_bytes: 0, min_savings: 0 } as const
const allVariants: ReadonlyArray<Variant> = [
  { name: "zstd-1", options: { config: { ...base, level: 1 } } },
  { name: "zstd-3", options: { config: { ...base, level: 3 } } },
  { name: "zstd-9", options: { config: { ...base, level: 9 } } },
  { name: "gzip-6", options: { config: { ...base, algorithm: "gzip", level: 6 } } },
  ...Object.entries(dictionaries).flatMap(([name, bytes], i) =>
    [3, 9].map((level) => ({
      name: `zstd-${level} + dict ${name}`,
      options: { config: { ...base, level }, dictionaries: new Map([[i + 1, bytes]]), dictionaryId: i + 1 }
    }))
  )
]

const variants = quickOr(
  allVariants.filter((v) => QUICK_VARIANTS.includes(v.name)),
  allVariants
)

/** Best of 3 passes, each repeating the whole set until >= 150 ms. Returns seconds per pass over the set. */
const time = (run: () => void): number => {
  run() // warm-up
  let best = Number.POSITIVE_INFINITY
  for (let pass = 0; pass < 3; pass++) {
    let rounds = 0
    const start = performance.now()
    let elapsed = 0
    do {
      run()
      rounds++
      elapsed = performance.now() - start
    } while (elapsed < 150)
    best = Math.min(best, elapsed / 1000 / rounds)
  }
  return best
}

interface Row {
  readonly name: string
  readonly ratio: number
  readonly frameRatio: number
  readonly compressMBs: number
  readonly decompressMBs: number
  readonly plain: number
  /** Bytes of the documents before compression, and as stored. */
  readonly original: number
  readonly stored: number
}

const measure = async (variant: Variant, docs: ReadonlyArray<Uint8Array>): Promise<Row> => {
  const codec = await codecOf(variant.options)
  const original = docs.reduce((n, d) => n + d.length, 0)
  const encoded = docs.map((d) => Effect.runSync(codec.encode(d)))
  const stored = encoded.reduce((n, e) => n + e.bytes.length, 0)
  let frames = 0
  let plain = 0
  for (const e of encoded) {
    if (e._tag === "Compressed") {
      const header = Envelope.readHeader(e.bytes)
      if (header._tag === "Right") frames += header.right.frames.reduce((n, f) => n + f.compressedLength, 0)
    } else {
      plain++
      frames += e.bytes.length
    }
  }
  // Verify every round trip before timing anything.
  encoded.forEach((e, i) => {
    if (e._tag === "Compressed") {
      const back = Effect.runSync(codec.decode(e.bytes, `doc-${i}`))
      if (Buffer.compare(Buffer.from(back), Buffer.from(docs[i]!)) !== 0) throw new Error(`${variant.name}: mismatch`)
    }
  })
  const compressSeconds = time(() => {
    for (const d of docs) Effect.runSync(codec.encode(d))
  })
  const envelopes = encoded.filter((e) => e._tag === "Compressed").map((e) => e.bytes)
  const decodedBytes = encoded.reduce((n, e) => n + (e._tag === "Compressed" ? e.originalBytes : 0), 0)
  const decompressSeconds = time(() => {
    for (const e of envelopes) Effect.runSync(codec.decode(e, "doc"))
  })
  return {
    name: variant.name,
    ratio: stored / original,
    frameRatio: frames / original,
    compressMBs: original / compressSeconds / 1e6,
    decompressMBs: decodedBytes / decompressSeconds / 1e6,
    plain,
    original,
    stored
  }
}

const fmt = (n: number, digits = 3) => n.toFixed(digits)
const pad = (s: string, n: number) => s.padEnd(n)
const lpad = (s: string, n: number) => s.padStart(n)

const printTable = (title: string, rows: ReadonlyArray<Row>) => {
  console.log(`\n${title}`)
  console.log(
    `  ${pad("variant", 30)}${lpad("ratio", 8)}${lpad("frame", 8)}${lpad("savings", 9)}${lpad("comp MB/s", 11)}${lpad("dec MB/s", 10)}${lpad("plain", 7)}`
  )
  for (const r of rows) {
    console.log(
      `  ${pad(r.name, 30)}${lpad(fmt(r.ratio), 8)}${lpad(fmt(r.frameRatio), 8)}${lpad(fmt(1 - r.ratio), 9)}${lpad(fmt(r.compressMBs, 1), 11)}${lpad(fmt(r.decompressMBs, 1), 10)}${lpad(String(r.plain), 7)}`
    )
  }
}

const main = async () => {
  console.log(`node ${process.version}, ${process.platform}/${process.arch}; zstd-codec 0.1.5 (wasm), node:zlib gzip`)
  console.log(
    `dictionaries: raw content from ${training.length} training episodes (seeds ${TRAINING_SEED}+, 1-8 KB), disjoint from the evaluated ones`
  )
  console.log(
    `  sizes: ${Object.entries(dictionaries)
      .map(([name, bytes]) => `${name} ${bytes.length} B`)
      .join(", ")}`
  )
  const results = new Map<number, ReadonlyArray<Row>>()
  for (const kb of SIZES) {
    const docs = Array.from({ length: DOCS[kb] }, (_, i) => utf8.encode(episode(EVAL_SEED + i * 7919 + kb, kb * 1024)))
    const rows: Array<Row> = []
    for (const variant of variants) rows.push(await measure(variant, docs))
    results.set(kb, rows)
    printTable(`episodes ${kb} KB (${docs.length} documents, ${docs.reduce((n, d) => n + d.length, 0)} bytes)`, rows)
  }

  for (const dims of quickOr([], [384, 1536])) {
    const vectors = Array.from({ length: 200 }, (_, i) => embedding(100 + i, dims))
    const rows: Array<Row> = []
    for (const variant of variants.slice(0, 4)) rows.push(await measure(variant, vectors))
    printTable(`embeddings: float32 random-normal, ${dims} dims (${dims * 4} bytes each, 200 vectors)`, rows)
    // What the codec does with the default settings (min_savings 0.10) if embeddings were given to it.
    const codec = await codecOf({ config: { threshold_bytes: 0 } })
    const plainCount = vectors.filter((v) => Effect.runSync(codec.encode(v))._tag === "Plain").length
    console.log(`  with default min_savings 0.10: ${plainCount}/${vectors.length} vectors stored plain`)
  }

  const four = results.get(4)!
  const best = (filter: (r: Row) => boolean) => four.filter(filter).reduce((a, b) => (b.ratio < a.ratio ? b : a))
  const plainBest = best((r) => !r.name.includes("dict"))
  const dictBest = best((r) => r.name.includes("dict"))
  console.log("\ngoal: 4 KB episodes at ratio <= 0.40")
  console.log(
    `  without dictionary: best ${plainBest.name} ${fmt(plainBest.ratio)} -> ${plainBest.ratio <= 0.4 ? "met" : "NOT met"}`
  )
  console.log(
    `  with dictionary:    best ${dictBest.name} ${fmt(dictBest.ratio)} -> ${dictBest.ratio <= 0.4 ? "met" : "NOT met"}`
  )
  const zstd3 = four.find((r) => r.name === "zstd-3")!
  const zstd3dict = four.find((r) => r.name === `zstd-3 + dict ${DICTIONARY}`)!
  console.log(
    `  zstd-3 (default settings): ${fmt(zstd3.ratio)}; zstd-3 + ${DICTIONARY} dictionary: ${fmt(zstd3dict.ratio)}`
  )
  await Effect.runPromise(Scope.close(scope, Exit.void))
  emitResult(results)
}

/** The section's result: stored bytes beside no compression at 4 and 16 KB, and zstd's speed beside gzip's. */
const emitResult = (results: ReadonlyMap<number, ReadonlyArray<Row>>) => {
  const setting = "local, in memory"
  const row = (kb: number, name: string) => results.get(kb)!.find((r) => r.name === name)!
  const stored = (kb: number, name: string) => {
    const r = row(kb, name)
    const original = DOCS[kb as (typeof SIZES)[number]] * kb * 1024
    const subject: Figure = {
      name: `${name}, stored bytes (envelope included)`,
      value: r.ratio * original,
      unit: "bytes"
    }
    const baseline: Figure = { name: "no compression", value: original, unit: "bytes" }
    return { subject, baseline, ratio: r.ratio }
  }
  // The issue's 0.40 is a goal of the default configuration, judged by `api.dictionary.default-ratio`: the codec's
  // figures here are its parts, without goals.
  const ratioOf = (id: string, kb: number, name: string) => {
    const figures = stored(kb, name)
    return {
      id,
      title: `${kb} KB realistic episodes (${DOCS[kb as (typeof SIZES)[number]]} documents): ${name} beside no compression`,
      setting,
      ...figures
    }
  }
  const zstd = row(4, "zstd-3")
  const gzip = row(4, "gzip-6")
  emit({
    section: "compression.ratio",
    command: "pnpm --filter @memory-turso/compression bench",
    comparisons: [
      ratioOf("compression.ratio.zstd-3.4k", 4, "zstd-3"),
      ratioOf("compression.ratio.gzip-6.4k", 4, "gzip-6"),
      ratioOf("compression.ratio.zstd-3-dictionary.4k", 4, `zstd-3 + dict ${DICTIONARY}`),
      ratioOf("compression.ratio.zstd-3.16k", 16, "zstd-3"),
      {
        id: "compression.ratio.speed-vs-gzip.4k",
        title: "compression speed on 4 KB episodes: zstd-3 (zstd-codec, wasm) beside gzip-6 (node:zlib)",
        setting,
        subject: { name: "zstd-3 compress", value: zstd.compressMBs, unit: "MB/s" },
        baseline: { name: "gzip-6 compress", value: gzip.compressMBs, unit: "MB/s" },
        ratio: zstd.compressMBs / gzip.compressMBs
      }
    ],
    figures: [...results].flatMap(([kb, rows]) =>
      rows.flatMap((r) => [
        { name: `${kb} KB ${r.name} ratio`, value: r.ratio, unit: "ratio", setting },
        { name: `${kb} KB ${r.name} decompress`, value: r.decompressMBs, unit: "MB/s", setting }
      ])
    ),
    notes: [
      `dictionary ${DICTIONARY}: raw content of ${training.length} training episodes, disjoint from the measured ones`
    ]
  })
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
