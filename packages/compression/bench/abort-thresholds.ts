/**
 * At which input sizes zstd-codec 0.1.5 (fixed 16 MiB wasm heap) aborts, per compression level. Each
 * (level, size) pair runs on a fresh instance, so an abort never affects the next measurement. The input is
 * realistic episode text (bench/corpus.ts) and, separately, random bytes (incompressible).
 *
 *   pnpm --filter @memory-turso/compression bench:aborts            # every level 1..22
 *   pnpm --filter @memory-turso/compression bench:aborts -- 3 9 19  # only these levels
 *
 * Prints one row per level: "ok" (compressed), "ABORT" (the instance threw) or "null" (refused) per size.
 * This is what sets the writer's frame size (internal/frames.ts: 1 MiB frames at levels 1..9, 256 KiB above).
 * Section `compression.aborts` of `pnpm bench` (a limit of the engine, no baseline: figures only;
 * BENCH_QUICK=1: levels 1, 3, 9, 10, 19, 22).
 */
import { emit, type Figure, quickOr } from "@memory-turso/bench"
import { defaultLoader } from "../src/internal/zstd.js"
import { episode, randomBytes } from "./corpus.js"

const KiB = 1024
const SIZES = [256 * KiB, 512 * KiB, 768 * KiB, 1024 * KiB, 2048 * KiB, 4096 * KiB]
const argLevels = process.argv
  .slice(2)
  .map(Number)
  .filter((n) => Number.isInteger(n) && n >= 1 && n <= 22)
// the quick run keeps the levels around the frame-size boundary (9/10) and the ends
const LEVELS =
  argLevels.length > 0
    ? argLevels
    : quickOr(
        [1, 3, 9, 10, 19, 22],
        Array.from({ length: 22 }, (_, i) => i + 1)
      )

const utf8 = new TextEncoder()
const textOf = (size: number): Uint8Array => {
  const parts: Array<string> = []
  let length = 0
  for (let seed = 1; length < size; seed++) {
    const doc = episode(seed, 16 * KiB)
    parts.push(doc)
    length += doc.length
  }
  return utf8.encode(parts.join("")).subarray(0, size)
}
const inputs = {
  text: SIZES.map(textOf),
  random: SIZES.map((size) => randomBytes(7, size))
}

const attempt = async (level: number, input: Uint8Array): Promise<string> => {
  const zstd = await defaultLoader()
  const simple = new zstd.Simple()
  try {
    return simple.compress(input, level) === null ? "null" : "ok"
  } catch {
    return "ABORT"
  }
}

const label = (bytes: number) => (bytes >= 1024 * KiB ? `${bytes / (1024 * KiB)} MiB` : `${bytes / KiB} KiB`)

// zstd-codec's Emscripten build prints "OOM" / abort text on stdout/stderr when it aborts: keep the table readable.
const quiet = <A>(f: () => Promise<A>): Promise<A> => {
  const out = process.stdout.write.bind(process.stdout)
  const err = process.stderr.write.bind(process.stderr)
  const drop = (() => true) as typeof process.stdout.write
  process.stdout.write = drop
  process.stderr.write = drop
  return f().finally(() => {
    process.stdout.write = out
    process.stderr.write = err
  })
}

/** Per input kind and level, the largest size that compressed (0 when none did). */
const figures: Array<Figure & { readonly setting: string }> = []
const header = ["level", ...SIZES.map(label)]
for (const kind of ["text", "random"] as const) {
  console.log(`\n${kind === "text" ? "episode text" : "random bytes"} (fresh instance per cell)\n`)
  console.log(`| ${header.join(" | ")} |`)
  console.log(`| ${header.map(() => "---").join(" | ")} |`)
  for (const level of LEVELS) {
    const cells: Array<string> = []
    for (const input of inputs[kind]) cells.push(await quiet(() => attempt(level, input)))
    console.log(`| ${level} | ${cells.join(" | ")} |`)
    const largest = SIZES.filter((_, i) => cells[i] === "ok").reduce((a, b) => Math.max(a, b), 0)
    figures.push({
      name: `${kind}, level ${level}: largest input compressed`,
      value: largest,
      unit: "bytes",
      setting: "local, in memory"
    })
  }
}
emit({
  section: "compression.aborts",
  command: "pnpm --filter @memory-turso/compression bench:aborts",
  comparisons: [],
  figures,
  notes: [`sizes tried: ${SIZES.map(label).join(", ")}; zstd-codec 0.1.5, a fresh instance per cell`]
})
