// Schema-conformant agent episodes with varied text (commands, code, logs, JSON tool output), seeded.
import { createHash } from "node:crypto"

const TOOLS = ["shell", "read_file", "edit_file", "search_code", "run_tests", "http_request"] as const
const FILES = ["src/payments/retry.ts", "src/db/pool.rs", "lib/cache/lru.go", "app/models/user.py", "web/src/App.tsx"]
const WORDS = (
  "retry timeout connection pool cache entry expired schema migration cursor batch index token session " +
  "worker queue payload snapshot vector embedding handler request response buffer config episode pattern"
).split(" ")
const ERRORS = [
  "ECONNRESET",
  "ETIMEDOUT",
  "SQLITE_BUSY",
  "TypeError: Cannot read properties of undefined",
  "AssertionError"
]

/** A deterministic stream of pseudo-random numbers from a string seed. */
const stream = (seed: string) => {
  let counter = 0
  let pool: Buffer = Buffer.alloc(0)
  return (n: number): number => {
    if (pool.length < 4) {
      pool = createHash("sha256").update(`${seed}:${counter++}`).digest()
    }
    const value = pool.readUInt32LE(0)
    pool = pool.subarray(4)
    return value % n
  }
}

const sentence = (next: (n: number) => number, words: number) =>
  Array.from({ length: words }, () => WORDS[next(WORDS.length)]).join(" ")

const output = (next: (n: number) => number, tool: string, i: number): string => {
  const file = FILES[next(FILES.length)]!
  switch (tool) {
    case "run_tests":
      return Array.from({ length: 3 + next(4) }, (_, k) =>
        next(7) === 0
          ? `FAIL ${file}:${10 + k * 7} ${sentence(next, 5)}\n    ${ERRORS[next(ERRORS.length)]} at line ${next(400)}`
          : `PASS ${file} (${next(900)} ms) ✓ ${sentence(next, 4)}`
      ).join("\n")
    case "read_file":
      return `export function ${WORDS[next(WORDS.length)]}${i}(input: ${WORDS[next(WORDS.length)]}) {\n  if (!input) throw new Error("${sentence(next, 4)}")\n  return input.${WORDS[next(WORDS.length)]}.map((x) => x * ${next(97)})\n}`
    case "http_request":
      return JSON.stringify({
        status: 200,
        items: Array.from({ length: 2 + next(3) }, () => ({
          id: next(1e6),
          name: sentence(next, 2),
          score: next(1000) / 1000
        }))
      })
    case "search_code":
      return Array.from({ length: 3 }, () => `${file}:${next(500)}: ${sentence(next, 6)}`).join("\n")
    default:
      return `$ ${tool} ${file}\n${sentence(next, 8)}\nexit ${next(10) === 0 ? 1 : 0}`
  }
}

/** An episode in wire form of about `targetBytes` of JSON. */
export const realisticEpisode = (id: string, targetBytes: number) => {
  const next = stream(id)
  const steps: Array<Record<string, unknown>> = []
  const episode = {
    episode_id: id,
    task_type: "debugging",
    task_description: `Fix the ${sentence(next, 3)} regression reported in ${FILES[next(FILES.length)]}`,
    context: {
      language: "typescript",
      framework: "node",
      complexity: "moderate",
      domain: "payments",
      tags: ["ci", "flaky"]
    },
    start_time: new Date(Date.UTC(2026, 10, 1) + next(1e9)).toISOString(),
    steps,
    tags: ["benchmark"],
    metadata: { source: "bench" }
  }
  while (Buffer.byteLength(JSON.stringify(episode)) < targetBytes) {
    const tool = TOOLS[next(TOOLS.length)]!
    steps.push({
      step_number: steps.length + 1,
      timestamp: new Date(Date.parse(episode.start_time) + steps.length * 1500).toISOString(),
      tool,
      action: `${tool} ${sentence(next, 3)}`,
      parameters: { path: FILES[next(FILES.length)], attempt: next(3) },
      result: { type: "success", output: output(next, tool, steps.length) },
      latency_ms: 5 + next(4000)
    })
  }
  return episode
}
