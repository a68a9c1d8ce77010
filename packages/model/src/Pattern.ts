import * as Schema from "effect/Schema"
import { TaskContext } from "./Episode.js"
import { generatedIdentifier, Identifier } from "./Identifier.js"
import { count, fraction, listOf, NonEmptyText, optional, Text } from "./internal/property.js"
import { versionProperty } from "./Version.js"

/** How a pattern has fared since it was learned. */
export const Effectiveness = Schema.Struct({
  times_retrieved: count,
  times_applied: count,
  success_when_applied: count,
  failure_when_applied: count,
  avg_reward_delta: Schema.optionalWith(Schema.Finite, { default: () => 0 })
})

const Effectiveness_ = Schema.optionalWith(Effectiveness, { default: () => Effectiveness.make({}) })

/** Success and failure counts behind a decision point. */
export const OutcomeStats = Schema.Struct({
  success_count: count,
  failure_count: count,
  total_count: count,
  avg_duration_ms: Schema.optionalWith(Schema.Finite.pipe(Schema.nonNegative()), { default: () => 0 })
})

/** Fields every pattern variant carries. */
const common = {
  pattern_id: generatedIdentifier,
  success_rate: fraction,
  occurrence_count: count,
  effectiveness: Effectiveness_,
  context: optional(TaskContext)
}

/** A sequence of tools that tends to work. */
export const ToolSequence = Schema.Struct({
  type: Schema.Literal("tool_sequence"),
  ...common,
  tools: Schema.NonEmptyArray(Text),
  avg_latency_ms: Schema.optionalWith(Schema.Finite.pipe(Schema.nonNegative()), { default: () => 0 }),
  version: versionProperty
})

/** A condition under which an action tends to work. */
export const DecisionPoint = Schema.Struct({
  type: Schema.Literal("decision_point"),
  ...common,
  condition: NonEmptyText,
  action: NonEmptyText,
  outcome_stats: Schema.optionalWith(OutcomeStats, { default: () => OutcomeStats.make({}) }),
  version: versionProperty
})

/** How to recover from a kind of error. */
export const ErrorRecovery = Schema.Struct({
  type: Schema.Literal("error_recovery"),
  ...common,
  error_type: NonEmptyText,
  recovery_steps: listOf(Text),
  version: versionProperty
})

/** An approach recommended when certain context features appear. */
export const ContextPattern = Schema.Struct({
  type: Schema.Literal("context_pattern"),
  ...common,
  context_features: listOf(Text),
  recommended_approach: NonEmptyText,
  evidence: listOf(Identifier),
  version: versionProperty
})

/** A learned pattern: one of four variants, told apart by `type`. */
export const Pattern = Schema.Union(ToolSequence, DecisionPoint, ErrorRecovery, ContextPattern).annotations({
  identifier: "Pattern"
})
export type Pattern = typeof Pattern.Type
export type PatternInput = typeof Pattern.Encoded
export type PatternType = Pattern["type"]

/** The pattern variants' names. */
export const PatternType = Schema.Literal("tool_sequence", "decision_point", "error_recovery", "context_pattern")
