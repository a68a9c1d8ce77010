import * as Schema from "effect/Schema"
import { generatedIdentifier, Identifier } from "./Identifier.js"
import { count, Fraction, fraction, listOf, NonEmptyText } from "./internal/property.js"
import { versionProperty } from "./Version.js"

/** The episodes behind a heuristic and how often it held. */
export const Evidence = Schema.Struct({
  episode_ids: listOf(Identifier),
  success_rate: fraction,
  sample_size: count
})

/** A rule of thumb: when `condition`, do `action`, with a confidence in [0, 1]. */
export const Heuristic = Schema.Struct({
  heuristic_id: generatedIdentifier,
  condition: NonEmptyText,
  action: NonEmptyText,
  confidence: Fraction,
  evidence: Schema.optionalWith(Evidence, { default: () => Evidence.make({}) }),
  version: versionProperty
}).annotations({ identifier: "Heuristic" })
export type Heuristic = typeof Heuristic.Type
export type HeuristicInput = typeof Heuristic.Encoded
