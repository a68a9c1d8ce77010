import { Codec } from "@memory-turso/compression"
import {
  DEFAULT_NAMESPACE,
  Episode,
  type EpisodeInput,
  Heuristic,
  type HeuristicInput,
  Pattern,
  type PatternInput
} from "@memory-turso/model"
import { Database } from "@memory-turso/pool"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import type * as CachedStorage from "../../src/CachedStorage.js"
import * as Storage from "../../src/Storage.js"

/** A decoded episode from a partial wire form. */
export const episode = (input: Partial<EpisodeInput> = {}): Episode =>
  Schema.decodeUnknownSync(Episode)({ task_description: "fix the failing test", ...input })

/** A decoded pattern. */
export const pattern = (input: PatternInput): Pattern => Schema.decodeUnknownSync(Pattern)(input)

/** A decoded heuristic. */
export const heuristic = (input: Partial<HeuristicInput> = {}): Heuristic =>
  Schema.decodeUnknownSync(Heuristic)({ condition: "tests fail", action: "read the log", confidence: 0.5, ...input })

/** Every pattern variant with its own fields. */
export const patternVariants: ReadonlyArray<PatternInput> = [
  {
    type: "tool_sequence",
    pattern_id: "p-seq",
    tools: ["grep", "edit", "test"],
    avg_latency_ms: 120.5,
    success_rate: 0.8
  },
  {
    type: "decision_point",
    pattern_id: "p-dec",
    condition: "flaky test",
    action: "rerun once",
    outcome_stats: { success_count: 3, failure_count: 1, total_count: 4, avg_duration_ms: 1500 }
  },
  { type: "error_recovery", pattern_id: "p-err", error_type: "ENOENT", recovery_steps: ["mkdir -p", "retry"] },
  {
    type: "context_pattern",
    pattern_id: "p-ctx",
    context_features: ["typescript", "monorepo"],
    recommended_approach: "run the package's tests only",
    evidence: ["ep-1", "ep-2"],
    context: { language: "typescript", domain: "web", tags: ["pnpm"] },
    effectiveness: { times_applied: 4, success_when_applied: 3, avg_reward_delta: 0.25 }
  }
]

/** Storage over a fresh temporary database and the default codec, exposing the database too. */
export const TestLayer = Storage.layer().pipe(Layer.provideMerge(Layer.merge(Database.layerTest, Codec.layer())))

/**
 * `TestLayer` without compression dictionaries, for tests that count the statements an operation sends: with them
 * on, storing `dictionary_samples` episodes wakes a background build whose statements would be counted too.
 */
export const QuietLayer = Storage.layer({ compression: { use_dictionary: false } }).pipe(
  Layer.provideMerge(Layer.merge(Database.layerTest, Codec.layer()))
)

/** A document as storage returns it: with the version its row holds. */
export const at = <A extends object>(version: number, document: A): A => ({ ...document, version })

/** The namespace tests write in unless they are about namespaces. */
export const ns = DEFAULT_NAMESPACE

/** The caches as operators configure them by default: 30 min for episodes, 1 h for patterns, 5 min for queries. */
export const cacheOptions = (maxEpisodes = 10_000): CachedStorage.Options => ({
  episodes: { maxEntries: maxEpisodes, ttl: "1800 seconds" },
  patterns: { maxEntries: 5000, ttl: "3600 seconds" },
  queries: { maxEntries: 1000, ttl: "300 seconds" }
})

/** Episodes alike in shape and vocabulary, different in detail: what an agent's memory looks like. */
export const agentEpisode = (n: number) =>
  episode({
    episode_id: `ep-${String(n).padStart(3, "0")}`,
    task_description: `fix failing test case_${n} in memory-core (seen after commit ${(n * 7919).toString(16)})`,
    start_time: new Date(1_700_000_000_000 + n * 60_000).toISOString(),
    steps: Array.from({ length: 12 }, (_, i) => ({
      step_number: i + 1,
      timestamp: new Date(1_700_000_000_000 + n * 60_000 + i * 1000).toISOString(),
      tool: ["shell", "editor", "search"][(n + i) % 3]!,
      action: `run step ${i}: cargo test --package memory-core -- episode::tests::case_${n * 13 + i}`,
      parameters: { cwd: "/work/repo", argv: ["cargo", "test", `case_${n * 13 + i}`], attempt: (n + i) % 4 },
      result: {
        type: "success" as const,
        output: `test episode::tests::case_${n * 13 + i} ... ok\n${(n + i) % 9} passed; 0 failed; finished in ${(n * i) % 97}ms`
      },
      latency_ms: 100 + ((n * i) % 300)
    }))
  })
