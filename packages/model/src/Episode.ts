import * as Schema from "effect/Schema"
import { generatedIdentifier, Identifier } from "./Identifier.js"
import { count, listOf, NonEmptyText, optional, stringMap, Text } from "./internal/property.js"
import { JsonValue } from "./JsonValue.js"
import { now, Timestamp } from "./Timestamp.js"
import { versionProperty } from "./Version.js"

/** The kinds of task an episode records. */
export const TaskType = Schema.Literal(
  "code_generation",
  "debugging",
  "refactoring",
  "testing",
  "analysis",
  "documentation",
  "other"
)
export type TaskType = typeof TaskType.Type

/** How complex a task is. */
export const Complexity = Schema.Literal("simple", "moderate", "complex")

/** Where a task happened: language, framework, complexity, domain and tags. */
export const TaskContext = Schema.Struct({
  language: optional(Text),
  framework: optional(Text),
  complexity: Schema.optionalWith(Complexity, { default: () => "moderate" as const }),
  domain: Schema.optionalWith(Text, { default: () => "general" }),
  tags: listOf(Text)
})
export type TaskContext = typeof TaskContext.Type

/** The result of one step: success with output, error with message, or timeout. */
export const StepResult = Schema.Union(
  Schema.Struct({ type: Schema.Literal("success"), output: Text }),
  Schema.Struct({ type: Schema.Literal("error"), message: Text }),
  Schema.Struct({ type: Schema.Literal("timeout") })
)

/** One tool call within an episode. */
export const Step = Schema.Struct({
  step_number: Schema.Int.pipe(Schema.positive()),
  timestamp: Timestamp,
  tool: Text,
  action: Text,
  parameters: Schema.optionalWith(JsonValue, { default: () => ({}) }),
  result: optional(StepResult),
  latency_ms: count,
  tokens_used: optional(Schema.NonNegativeInt),
  metadata: stringMap
})
export type Step = typeof Step.Type

/** How an episode ended. */
export const Outcome = Schema.Union(
  Schema.Struct({ type: Schema.Literal("success"), verdict: Text, artifacts: listOf(Text) }),
  Schema.Struct({
    type: Schema.Literal("partial_success"),
    verdict: Text,
    completed: listOf(Text),
    failed: listOf(Text)
  }),
  Schema.Struct({ type: Schema.Literal("failure"), reason: Text, error_details: optional(Text) }),
  Schema.Struct({
    type: Schema.Literal("abstained"),
    reason: Text,
    stopped_at_step: Schema.NonNegativeInt,
    infeasibility_signals: listOf(Text)
  })
)
export type Outcome = typeof Outcome.Type

/** Reward components (total, base, efficiency, ...), each a finite number. */
export const Reward = Schema.Record({ key: Text, value: Schema.Finite })

/** What went well, what to improve, what was learned. */
export const Reflection = Schema.Struct({
  successes: listOf(Text),
  improvements: listOf(Text),
  insights: listOf(Text)
})

/** Features of an episode worth remembering. */
export const SalientFeatures = Schema.Struct({
  critical_decisions: listOf(Text),
  tool_combinations: listOf(Schema.Array(Text)),
  error_recovery_patterns: listOf(Text),
  key_insights: listOf(Text)
})

/** A saved point in an episode's progress. */
export const Checkpoint = Schema.Struct({
  checkpoint_id: Identifier,
  created_at: Timestamp,
  reason: Text,
  note: optional(Text)
})

/**
 * An agent episode. On the wire (encoded side) only `task_description` is required; decoding fills every default
 * (a UUIDv7 id, `task_type` "other", `start_time` now, empty lists and maps).
 */
export const Episode = Schema.Struct({
  episode_id: generatedIdentifier,
  task_type: Schema.optionalWith(TaskType, { default: () => "other" as const }),
  task_description: NonEmptyText,
  context: Schema.optionalWith(TaskContext, { default: () => TaskContext.make({}) }),
  start_time: Schema.optionalWith(Timestamp, { default: now }),
  end_time: optional(Timestamp),
  steps: listOf(Step),
  outcome: optional(Outcome),
  reward: optional(Reward),
  reflection: optional(Reflection),
  patterns: listOf(Identifier),
  heuristics: listOf(Identifier),
  applied_patterns: listOf(Identifier),
  salient_features: optional(SalientFeatures),
  metadata: stringMap,
  tags: listOf(Text),
  checkpoints: listOf(Checkpoint),
  version: versionProperty
}).annotations({ identifier: "Episode" })

/** A decoded episode with every default filled. */
export type Episode = typeof Episode.Type
/** An episode as clients send it. */
export type EpisodeInput = typeof Episode.Encoded

/** An episode is complete when it has both an end time and an outcome. */
export const isComplete = (episode: Episode): boolean => episode.end_time !== undefined && episode.outcome !== undefined
