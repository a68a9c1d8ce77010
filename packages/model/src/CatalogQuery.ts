import * as Schema from "effect/Schema"
import { limit } from "./EpisodeQuery.js"
import { PatternType } from "./Pattern.js"

/** Listing patterns, newest first, optionally of one variant. */
export const PatternQuery = Schema.Struct({
  type: Schema.optionalWith(PatternType, { exact: true }),
  limit,
  cursor: Schema.optionalWith(Schema.String, { exact: true })
})
export type PatternQuery = typeof PatternQuery.Type
export type PatternQueryInput = typeof PatternQuery.Encoded

/** Listing heuristics, newest first. */
export const HeuristicQuery = Schema.Struct({
  limit,
  cursor: Schema.optionalWith(Schema.String, { exact: true })
})
export type HeuristicQuery = typeof HeuristicQuery.Type
export type HeuristicQueryInput = typeof HeuristicQuery.Encoded
