/**
 * Realistic test episodes (about 4-8 KB of JSON each): code, logs, JSON tool output and diffs assembled from
 * varied vocabularies by a seeded generator, so compression figures mean something (no repeated filler).
 */

import type { EpisodeInput, Step } from "@memory-turso/model"

/** The smallest and largest serialized episode. */
export const MIN_BYTES = 4096
export const MAX_BYTES = 8192

/** A small, fast, seeded PRNG (mulberry32). */
const prng = (seed: number) => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const hash = (text: string) => {
  let h = 2166136261
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619)
  return h >>> 0
}

const nouns = [
  "session",
  "buffer",
  "token",
  "episode",
  "pattern",
  "cursor",
  "request",
  "handler",
  "schema",
  "vector",
  "payload",
  "checkpoint",
  "reward",
  "heuristic",
  "embedding",
  "migration",
  "snapshot",
  "ledger",
  "queue",
  "shard",
  "socket",
  "stream",
  "batch",
  "index",
  "codec",
  "frame",
  "window",
  "tenant",
  "budget",
  "artifact"
]
const verbs = [
  "load",
  "parse",
  "encode",
  "flush",
  "resolve",
  "merge",
  "score",
  "rank",
  "retry",
  "validate",
  "compact",
  "hydrate",
  "emit",
  "collect",
  "prune",
  "sync",
  "decode",
  "schedule",
  "reconcile",
  "persist"
]
const adjectives = ["stale", "pending", "cached", "remote", "partial", "dirty", "hot", "cold", "sparse", "frozen"]
const components = ["api", "storage", "pool", "keepalive", "codec", "planner", "retriever", "scheduler", "router"]
const levels = ["INFO", "INFO", "INFO", "DEBUG", "WARN", "ERROR"]
const errors = [
  "ECONNRESET while reading the response",
  "SQLITE_BUSY: database is locked",
  "timeout after 2000 ms waiting for a connection",
  "unexpected token } in JSON at position 412",
  "TypeError: Cannot read properties of undefined (reading 'id')",
  "assertion failed: left == right",
  "429 Too Many Requests (retry-after 3)",
  "ENOENT: no such file or directory"
]
const languages = ["typescript", "python", "rust", "go"] as const
const frameworks = { typescript: "effect", python: "fastapi", rust: "tokio", go: "net/http" } as const
const taskTypes = ["code_generation", "debugging", "refactoring", "testing", "analysis", "documentation"] as const
const domains = ["web-api", "data-pipeline", "cli", "storage", "ml-ops", "auth"]
const tools = ["read_file", "run_tests", "grep", "edit_file", "shell", "search_docs", "http_request"]

type Rand = () => number

const pick = <A>(r: Rand, xs: ReadonlyArray<A>): A => xs[Math.floor(r() * xs.length)]!
const int = (r: Rand, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1))
const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1)
const ident = (r: Rand) => `${pick(r, verbs)}${cap(pick(r, adjectives))}${cap(pick(r, nouns))}`
const hex = (r: Rand, n: number) => Array.from({ length: n }, () => "0123456789abcdef"[int(r, 0, 15)]).join("")
const path = (r: Rand, ext: string) => `src/${pick(r, components)}/${pick(r, nouns)}${cap(pick(r, nouns))}.${ext}`

const extOf = { typescript: "ts", python: "py", rust: "rs", go: "go" } as const

const codeSnippet = (r: Rand, language: (typeof languages)[number]): string => {
  const lines: Array<string> = []
  const fns = int(r, 2, 4)
  for (let f = 0; f < fns; f++) {
    const name = ident(r)
    const arg = pick(r, nouns)
    const limit = int(r, 2, 500)
    if (language === "typescript") {
      lines.push(
        `export const ${name} = Effect.fn("${cap(pick(r, components))}.${name}")(function* (${arg}: ${cap(arg)}) {`
      )
      lines.push(`  const ${pick(r, nouns)}s = yield* ${pick(r, verbs)}${cap(arg)}(${arg}.${pick(r, nouns)}Id)`)
      lines.push(
        `  if (${arg}.size > ${limit}) return yield* Effect.fail(new ${cap(pick(r, adjectives))}Error({ limit: ${limit} }))`
      )
      lines.push(`  return { ...${arg}, ${pick(r, nouns)}: ${int(r, 0, 9999)} }`)
      lines.push("})")
    } else if (language === "python") {
      lines.push(
        `async def ${name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}(${arg}: ${cap(arg)}, limit: int = ${limit}):`
      )
      lines.push(
        `    rows = await db.fetch("SELECT * FROM ${pick(r, nouns)}s WHERE ${pick(r, nouns)}_id = ?", ${arg}.id)`
      )
      lines.push(`    if len(rows) > limit:`)
      lines.push(`        raise ${cap(pick(r, adjectives))}Error(f"too many rows: {len(rows)}")`)
      lines.push(`    return [${pick(r, verbs)}(row) for row in rows if row.${pick(r, nouns)}]`)
    } else if (language === "rust") {
      lines.push(
        `pub async fn ${name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}(${arg}: &${cap(arg)}) -> Result<u${pick(r, [32, 64])}> {`
      )
      lines.push(`    let guard = self.${pick(r, nouns)}s.lock().await;`)
      lines.push(`    ensure!(guard.len() < ${limit}, "${pick(r, adjectives)} ${pick(r, nouns)}: {}", guard.len());`)
      lines.push(`    Ok(guard.iter().filter(|x| x.${pick(r, nouns)} > ${int(r, 0, 99)}).count() as u64)`)
      lines.push("}")
    } else {
      lines.push(`func ${cap(name)}(ctx context.Context, ${arg} *${cap(arg)}) (int, error) {`)
      lines.push(`\tif len(${arg}.${cap(pick(r, nouns))}s) > ${limit} {`)
      lines.push(`\t\treturn 0, fmt.Errorf("${pick(r, adjectives)} ${pick(r, nouns)}: %d", ${limit})`)
      lines.push("\t}")
      lines.push(`\treturn ${pick(r, verbs)}${cap(pick(r, nouns))}(ctx, ${arg})`)
      lines.push("}")
    }
    lines.push("")
  }
  return lines.join("\n")
}

const logLines = (r: Rand, start: number): string => {
  const lines: Array<string> = []
  let t = start
  for (let i = int(r, 6, 14); i > 0; i--) {
    t += int(r, 1, 4000)
    const level = pick(r, levels)
    const message =
      level === "ERROR" || level === "WARN"
        ? pick(r, errors)
        : `${pick(r, verbs)} ${pick(r, nouns)} ${hex(r, 8)} in ${(r() * 120).toFixed(2)} ms (${int(r, 1, 900)} rows)`
    lines.push(`${new Date(t).toISOString()} ${level.padEnd(5)} [${pick(r, components)}] ${message}`)
  }
  return lines.join("\n")
}

const toolJson = (r: Rand): string => {
  const kind = int(r, 0, 2)
  if (kind === 0) {
    const tests = Array.from({ length: int(r, 3, 7) }, () => ({
      name: `${pick(r, nouns)} ${pick(r, verbs)}s ${pick(r, adjectives)} ${pick(r, nouns)}s`,
      status: r() < 0.8 ? "passed" : "failed",
      duration_ms: int(r, 1, 3000)
    }))
    return JSON.stringify({ suite: path(r, "test.ts"), tests, coverage: Math.round(r() * 1000) / 10 }, null, 2)
  }
  if (kind === 1) {
    const matches = Array.from({ length: int(r, 3, 8) }, () => ({
      file: path(r, pick(r, ["ts", "py", "rs"])),
      line: int(r, 1, 900),
      text: `const ${ident(r)} = ${pick(r, verbs)}(${pick(r, nouns)}, ${int(r, 0, 64)})`
    }))
    return JSON.stringify({ pattern: ident(r), matches, truncated: r() < 0.2 })
  }
  return JSON.stringify({
    status: pick(r, [200, 200, 201, 404, 500]),
    headers: { "content-type": "application/json", "x-request-id": hex(r, 16), etag: `W/"${hex(r, 12)}"` },
    body: {
      id: hex(r, 12),
      [pick(r, nouns)]: int(r, 0, 10_000),
      items: Array.from({ length: int(r, 2, 5) }, () => ident(r))
    }
  })
}

const diff = (r: Rand): string => {
  const file = path(r, "ts")
  const line = int(r, 10, 400)
  const a = ident(r)
  const b = ident(r)
  return [
    `--- a/${file}`,
    `+++ b/${file}`,
    `@@ -${line},6 +${line},7 @@`,
    ` export const ${a} = (input: ${cap(pick(r, nouns))}) => {`,
    `-  const value = input.${pick(r, nouns)} ?? ${int(r, 0, 9)}`,
    `+  const value = input.${pick(r, nouns)} ?? ${int(r, 10, 99)}`,
    `+  if (value > ${int(r, 100, 999)}) return ${b}(value)`,
    `   return ${pick(r, verbs)}(value)`,
    " }"
  ].join("\n")
}

/** A generated episode in the API's wire format (the model's `EpisodeInput`), with its id. */
export type SeedEpisode = EpisodeInput & { readonly episode_id: string }

/** A step's result as generated: kept mutable so the last output can be trimmed. */
type GeneratedResult = { type: "success"; output: string } | { type: "error"; message: string }

/**
 * One realistic episode of `MIN_BYTES`..`MAX_BYTES` serialized bytes. The same `(seed, id)` always gives the same
 * episode; different ids give different text.
 */
export const episode = (seed: string, id: string): SeedEpisode => {
  const r = prng(hash(`${seed}/${id}`))
  const language = pick(r, languages)
  const start = Date.UTC(2026, int(r, 0, 10), int(r, 1, 28), int(r, 0, 23), int(r, 0, 59), int(r, 0, 59))
  const target = int(r, MIN_BYTES + 200, MAX_BYTES - 600)
  const steps: Array<typeof Step.Encoded> = []
  let last: GeneratedResult | undefined
  const base: SeedEpisode = {
    episode_id: id,
    task_type: pick(r, taskTypes),
    task_description: `${cap(pick(r, verbs))} the ${pick(r, adjectives)} ${pick(r, nouns)} path in ${path(r, extOf[language])} so that ${pick(r, nouns)}s ${pick(r, verbs)} within ${int(r, 5, 500)} ms`,
    context: {
      language,
      framework: frameworks[language],
      complexity: pick(r, ["simple", "moderate", "complex"] as const),
      domain: pick(r, domains),
      tags: [pick(r, nouns), pick(r, adjectives), pick(r, components)]
    },
    start_time: new Date(start).toISOString(),
    end_time: new Date(start + int(r, 30_000, 3_600_000)).toISOString(),
    steps,
    outcome: {
      type: "success",
      verdict: `${pick(r, verbs)}d ${int(r, 1, 40)} ${pick(r, nouns)}s`,
      artifacts: [path(r, extOf[language])]
    },
    reward: { total: Math.round(r() * 100) / 100, base: 0.5, efficiency: Math.round(r() * 100) / 100 },
    reflection: {
      successes: [`${cap(pick(r, verbs))} ${pick(r, nouns)}s before ${pick(r, verbs)}ing`],
      improvements: [`cache the ${pick(r, adjectives)} ${pick(r, nouns)}`],
      insights: [`${pick(r, errors)} means the ${pick(r, nouns)} was ${pick(r, adjectives)}`]
    },
    metadata: { validator: "memory-turso-validator", commit: hex(r, 40), host: `ci-${hex(r, 6)}` },
    tags: ["validator", pick(r, domains)]
  }
  const size = () => JSON.stringify(base).length
  let n = 0
  while (size() < target) {
    n++
    const tool = pick(r, tools)
    const kind = int(r, 0, 3)
    const output =
      kind === 0
        ? codeSnippet(r, language)
        : kind === 1
          ? logLines(r, start + n * 60_000)
          : kind === 2
            ? toolJson(r)
            : diff(r)
    const timestamp = new Date(start + n * int(r, 2_000, 90_000)).toISOString()
    const action = `${pick(r, verbs)} ${pick(r, nouns)}`
    const parameters = { path: path(r, extOf[language]), max_results: int(r, 5, 200) }
    last = r() < 0.9 ? { type: "success", output } : { type: "error", message: `${pick(r, errors)}\n${output}` }
    steps.push({
      step_number: n,
      timestamp,
      tool,
      action,
      parameters,
      result: last,
      latency_ms: int(r, 3, 9000),
      tokens_used: int(r, 50, 4000)
    })
  }
  // Trim the last output so the episode stays within MAX_BYTES (JSON escaping makes the size grow faster).
  const result = last!
  while (size() > MAX_BYTES) {
    const cut = -Math.max(64, size() - MAX_BYTES)
    if (result.type === "success") result.output = result.output.slice(0, cut)
    else result.message = result.message.slice(0, cut)
  }
  return base
}
