/**
 * Realistic-looking agent episodes (JSON) from a seeded PRNG and varied vocabularies: code, logs,
 * JSON tool output, stack traces and prose. Deterministic for a given seed. Used by the benchmark
 * and by tests that need compressible text.
 */

import { prng } from "@memory-turso/testkit"

export { prng }

type Rng = () => number
const int = (rng: Rng, lo: number, hi: number) => lo + Math.floor(rng() * (hi - lo + 1))
const pick = <A>(rng: Rng, items: ReadonlyArray<A>): A => items[Math.floor(rng() * items.length)]!
const times = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i))

const syllables = ["ka", "lo", "mi", "ren", "sto", "pra", "del", "vin", "tor", "qu", "ex", "zo", "nal", "bri", "fen"]
const nouns = [
  "user",
  "session",
  "config",
  "request",
  "response",
  "buffer",
  "index",
  "cache",
  "token",
  "record",
  "episode",
  "pattern",
  "query",
  "schema",
  "handler",
  "worker",
  "queue",
  "payload",
  "snapshot",
  "migration",
  "connection",
  "pool",
  "timeout",
  "retry",
  "metric",
  "vector",
  "embedding",
  "batch",
  "cursor",
  "row",
  "column",
  "table",
  "file"
]
const verbs = [
  "get",
  "set",
  "load",
  "save",
  "parse",
  "build",
  "resolve",
  "fetch",
  "update",
  "insert",
  "delete",
  "validate",
  "compute",
  "merge",
  "flush",
  "open",
  "close",
  "encode",
  "decode",
  "retry",
  "scan",
  "sync",
  "apply",
  "render"
]
const words = [
  "the",
  "a",
  "to",
  "of",
  "and",
  "in",
  "that",
  "it",
  "is",
  "was",
  "for",
  "on",
  "with",
  "as",
  "this",
  "but",
  "not",
  "by",
  "from",
  "which",
  "when",
  "we",
  "then",
  "after",
  "because",
  "should",
  "could",
  "test",
  "failing",
  "passes",
  "function",
  "returns",
  "value",
  "error",
  "instead",
  "expected",
  "actual",
  "change",
  "fix",
  "bug",
  "issue",
  "case",
  "agent",
  "memory",
  "database",
  "remote",
  "latency",
  "slow",
  "fast",
  "request",
  "checked",
  "looks",
  "like",
  "probably",
  "seems",
  "need",
  "first",
  "next",
  "step",
  "plan",
  "output",
  "input",
  "file",
  "line",
  "import",
  "module",
  "package",
  "version",
  "dependency",
  "upgrade",
  "config",
  "option",
  "default",
  "missing",
  "null"
]
const levels = ["INFO", "DEBUG", "WARN", "ERROR", "TRACE"]
const tools = ["bash", "read_file", "edit_file", "search_code", "web_search", "run_tests", "sql_query", "list_dir"]
const exts = ["ts", "js", "py", "rs", "go", "json", "toml", "md"]
const dirs = ["src", "lib", "test", "packages/core/src", "apps/api/src", "internal", "cmd", "scripts"]
const hosts = ["docs.example.org", "github.com", "stackoverflow.com", "blog.example.dev", "api.example.com"]

const ident = (rng: Rng) =>
  pick(rng, verbs) + pick(rng, nouns).replace(/^./, (c) => c.toUpperCase()) + (rng() < 0.3 ? pick(rng, syllables) : "")
const name = (rng: Rng) => times(int(rng, 2, 3), () => pick(rng, syllables)).join("")
const path = (rng: Rng) => `${pick(rng, dirs)}/${name(rng)}${rng() < 0.4 ? `/${name(rng)}` : ""}.${pick(rng, exts)}`
const hex = (rng: Rng, n: number) => times(n, () => "0123456789abcdef"[int(rng, 0, 15)]!).join("")
const sentence = (rng: Rng) => {
  const s = times(int(rng, 6, 18), () => (rng() < 0.12 ? `\`${ident(rng)}\`` : pick(rng, words))).join(" ")
  return `${s.charAt(0).toUpperCase()}${s.slice(1)}${pick(rng, [".", ".", ".", "?", ":"])}`
}
const prose = (rng: Rng) => times(int(rng, 2, 6), () => sentence(rng)).join(" ")
const timestamp = (rng: Rng, base: number) => new Date(base + int(rng, 0, 3_600_000)).toISOString()

const code = (rng: Rng) => {
  const fn = ident(rng)
  const args = times(int(rng, 1, 3), () => pick(rng, nouns))
  const body = times(int(rng, 3, 10), () => {
    const r = rng()
    if (r < 0.25) return `  const ${pick(rng, nouns)}${int(rng, 1, 9)} = await ${ident(rng)}(${pick(rng, args)})`
    if (r < 0.45) return `  if (${pick(rng, args)} === undefined) throw new Error("${sentence(rng)}")`
    if (r < 0.6) return `  // ${sentence(rng)}`
    if (r < 0.8) return `  ${pick(rng, args)}.${ident(rng)}(${int(rng, 0, 1000)}, "${name(rng)}")`
    return `  return { ${times(int(rng, 1, 3), () => `${pick(rng, nouns)}: ${pick(rng, args)}`).join(", ")} }`
  })
  return `export async function ${fn}(${args.join(", ")}) {\n${body.join("\n")}\n}\n`
}

const logs = (rng: Rng, base: number) =>
  times(int(rng, 4, 14), () => {
    const level = pick(rng, levels)
    return `${timestamp(rng, base)} ${level.padEnd(5)} [${name(rng)}] ${pick(rng, verbs)} ${pick(rng, nouns)} id=${hex(rng, 8)} took=${int(rng, 1, 900)}ms${level === "ERROR" ? ` err="${sentence(rng)}"` : ""}`
  }).join("\n")

const stackTrace = (rng: Rng) => {
  const error = pick(rng, ["TypeError", "RangeError", "Error", "SqliteError", "FetchError", "AssertionError"])
  const frames = times(
    int(rng, 4, 12),
    () => `    at ${ident(rng)} (${path(rng)}:${int(rng, 1, 900)}:${int(rng, 1, 80)})`
  )
  return `${error}: ${sentence(rng)}\n${frames.join("\n")}`
}

const jsonOutput = (rng: Rng) =>
  JSON.stringify(
    {
      results: Array.from({ length: int(rng, 2, 6) }, () => ({
        title: sentence(rng).slice(0, 60),
        url: `https://${pick(rng, hosts)}/${name(rng)}/${name(rng)}-${int(rng, 1, 99999)}`,
        score: Math.round(rng() * 1000) / 1000,
        snippet: sentence(rng)
      })),
      total: int(rng, 1, 5000),
      took_ms: int(rng, 1, 400)
    },
    null,
    rng() < 0.5 ? 2 : undefined
  )

const testOutput = (rng: Rng) => {
  const lines = times(int(rng, 3, 10), () => {
    const ok = rng() < 0.8
    return `${ok ? " ✓" : " ✗"} ${path(rng)} > ${pick(rng, verbs)} ${pick(rng, nouns)} ${pick(rng, words)} (${int(rng, 1, 300)} ms)`
  })
  return `${lines.join("\n")}\n\n Tests  ${int(rng, 1, 40)} failed | ${int(rng, 10, 400)} passed`
}

const toolOutput = (rng: Rng, base: number): string => {
  const r = rng()
  if (r < 0.22) return code(rng)
  if (r < 0.42) return logs(rng, base)
  if (r < 0.55) return stackTrace(rng)
  if (r < 0.75) return jsonOutput(rng)
  if (r < 0.85) return testOutput(rng)
  return prose(rng)
}

const toolInput = (rng: Rng, tool: string) => {
  switch (tool) {
    case "bash":
      return { command: `${pick(rng, ["pnpm", "git", "rg", "ls", "cat", "node"])} ${pick(rng, verbs)} ${path(rng)}` }
    case "search_code":
    case "web_search":
      return { query: times(int(rng, 2, 5), () => pick(rng, rng() < 0.5 ? words : nouns)).join(" ") }
    case "sql_query":
      return {
        sql: `SELECT ${pick(rng, nouns)}, ${pick(rng, nouns)} FROM ${pick(rng, nouns)}s WHERE id = ?`,
        args: [hex(rng, 12)]
      }
    default:
      return { path: path(rng) }
  }
}

/** One episode as JSON text of (about) `targetBytes` UTF-8 bytes. */
export const episode = (seed: number, targetBytes: number): string => {
  const rng = prng(seed)
  const base = Date.UTC(2026, int(rng, 0, 10), int(rng, 1, 28))
  const ep: {
    id: string
    task: string
    context: { repo: string; branch: string; tags: Array<string> }
    steps: Array<Record<string, unknown>>
    outcome?: { status: string; reflection: string }
  } = {
    id: `ep_${hex(rng, 16)}`,
    task: prose(rng),
    context: {
      repo: `${name(rng)}/${name(rng)}`,
      branch: `fix/${name(rng)}-${int(rng, 1, 999)}`,
      tags: times(3, () => pick(rng, nouns))
    },
    steps: []
  }
  ep.outcome = { status: pick(rng, ["success", "failure", "partial"]), reflection: prose(rng) }
  const size = () => Buffer.byteLength(JSON.stringify(ep))
  while (size() < targetBytes) {
    const tool = pick(rng, tools)
    ep.steps.push({
      step: ep.steps.length + 1,
      tool,
      input: toolInput(rng, tool),
      output: toolOutput(rng, base),
      started_at: timestamp(rng, base),
      duration_ms: int(rng, 3, 20_000),
      ok: rng() < 0.85
    })
  }
  // Trim the last output so the document lands on the target size.
  const last = ep.steps[ep.steps.length - 1]
  if (last !== undefined) {
    const over = size() - targetBytes
    const output = String(last.output)
    last.output = output.slice(0, Math.max(0, output.length - over))
    // Escapes and multi-byte characters may undershoot: pad with 1-byte characters.
    last.output += ".".repeat(Math.max(0, targetBytes - size()))
  }
  return JSON.stringify(ep)
}

/** Random-normal float32 vector bytes (Box-Muller), like an embedding. */
export const embedding = (seed: number, dims: number): Uint8Array => {
  const rng = prng(seed)
  const v = new Float32Array(dims)
  for (let i = 0; i < dims; i++) {
    v[i] = Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng())
  }
  return new Uint8Array(v.buffer)
}

/** Uniformly random bytes. */
export const randomBytes = (seed: number, length: number): Uint8Array => {
  const rng = prng(seed)
  const out = new Uint8Array(length)
  for (let i = 0; i < length; i++) out[i] = Math.floor(rng() * 256)
  return out
}
