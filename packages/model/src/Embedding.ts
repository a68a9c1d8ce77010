import * as Schema from "effect/Schema"
import { Identifier } from "./Identifier.js"
import { versionProperty } from "./Version.js"

/** What an embedding describes. */
export const ItemType = Schema.Literal("episode", "pattern")
export type ItemType = typeof ItemType.Type

const FLOAT32_MAX = 3.4028234663852886e38
/** libSQL's vector functions accept at most this many dimensions. */
export const MAX_DIMENSIONS = 65536

/** A float32-representable number. */
const Float32 = Schema.Finite.pipe(
  Schema.filter((n) => Math.abs(n) <= FLOAT32_MAX || "expected a number within float32 range"),
  Schema.annotations({ arbitrary: () => (fc) => fc.float({ noNaN: true, noDefaultInfinity: true }) })
)

/** A vector of any dimension (1..65536) with a non-zero norm; stored as float32. */
export const Vector = Schema.Array(Float32).pipe(
  Schema.minItems(1),
  Schema.maxItems(MAX_DIMENSIONS),
  Schema.filter((v) => v.some((x) => x !== 0) || "expected a vector with a non-zero norm")
)

/** An embedding of an episode or a pattern, produced by `model`. */
export const Embedding = Schema.Struct({
  item_type: ItemType,
  item_id: Identifier,
  model: Schema.NonEmptyString.pipe(Schema.maxLength(256)),
  vector: Vector,
  version: versionProperty
}).annotations({ identifier: "Embedding" })
export type Embedding = typeof Embedding.Type
export type EmbeddingInput = typeof Embedding.Encoded

/**
 * A similarity search: the `k` nearest by cosine similarity, optionally at least `threshold`. `cursor` (a previous
 * answer's `next_cursor`, when the response's byte budget cut it short) continues the ranking after its last match.
 */
export const SimilarityQuery = Schema.Struct({
  vector: Vector,
  k: Schema.optionalWith(Schema.Int.pipe(Schema.between(1, 1000)), { default: () => 10 }),
  threshold: Schema.optionalWith(Schema.Number.pipe(Schema.between(-1, 1)), { exact: true }),
  item_type: Schema.optionalWith(ItemType, { exact: true }),
  model: Schema.optionalWith(Schema.String, { exact: true }),
  cursor: Schema.optionalWith(Schema.String, { exact: true })
})
export type SimilarityQuery = typeof SimilarityQuery.Type
export type SimilarityQueryInput = typeof SimilarityQuery.Encoded

/** One search hit with its cosine similarity in [-1, 1]. */
export const SimilarityMatch = Schema.Struct({
  item_type: ItemType,
  item_id: Identifier,
  model: Schema.String,
  similarity: Schema.Number
}).annotations({ identifier: "SimilarityMatch" })
export type SimilarityMatch = typeof SimilarityMatch.Type
