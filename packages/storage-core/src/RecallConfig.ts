import * as Schema from "effect/Schema"

const flag = (value: boolean) => Schema.optionalWith(Schema.Boolean, { default: () => value })

/** An integer in `min..max`, with the operator's message. */
const integerIn = (key: string, min: number, max: number) =>
  Schema.Number.pipe(
    Schema.int(),
    Schema.between(min, max),
    Schema.annotations({
      message: (issue) => ({
        message: `${key} ${String(issue.actual)} is not an integer in ${min}..${max}`,
        override: true
      })
    })
  )

const oneOf = <const L extends ReadonlyArray<string>>(key: string, ...values: L) =>
  Schema.Literal(...values).annotations({
    message: (issue) => ({
      message: `${key} ${JSON.stringify(issue.actual)} is not one of ${values.join(", ")}`,
      override: true
    })
  })

/**
 * How recall finds things (the API's `[recall]` section). The vector index settings (`metric`, `max_neighbors`,
 * `compress_neighbors`, `search_l`) are libSQL DiskANN's, and apply to indexes created from then on: an index is
 * built once per dimension, and `vector_indexes` records the settings it was built with.
 */
export const RecallPolicy = Schema.Struct({
  /** Keep a DiskANN index of embeddings, per dimension. Off: no index is created, and every search scans exactly. */
  index_vectors: flag(true),
  /** The distance the index is built for. Scores are cosine similarities either way. */
  metric: Schema.optionalWith(oneOf("metric", "cosine", "l2"), { default: () => "cosine" as const }),
  /** Neighbours per node of the index graph: more finds more, and makes the index larger and slower to build. */
  max_neighbors: Schema.optionalWith(integerIn("max_neighbors", 4, 256), { default: () => 32 }),
  /**
   * How neighbour vectors are stored in the index (`none`: float32 like the rows). The default, one bit per
   * dimension, measured best here on 384-dimension vectors: a third of float8's size, half its build time, and a
   * better recall (candidates are re-ranked by their exact similarity).
   */
  compress_neighbors: Schema.optionalWith(
    oneOf("compress_neighbors", "none", "float8", "float16", "floatb16", "float1bit"),
    { default: () => "float1bit" as const }
  ),
  /**
   * The index's beam width: candidates it visits per query, and the most rows one `vector_top_k` returns (so a
   * filter letting through less than `k / search_l` of the rows falls back to the scan). libSQL's 200: measured at
   * 50k x 384, 400 lifts recall@10 in a namespace holding 10% from 0.94 to 1.00 but makes queries ~5x slower.
   */
  search_l: Schema.optionalWith(integerIn("search_l", 10, 2000), { default: () => 200 }),
  /** The `k` of reciprocal rank fusion: an item's fused score is the sum of 1 / (rrf_k + rank) over its lists. */
  rrf_k: Schema.optionalWith(integerIn("rrf_k", 1, 100_000), { default: () => 60 }),
  /**
   * A namespace with at most this many vectors of the query's dimension is scanned exactly (cheap at that size,
   * and exact); above it the index answers.
   */
  exact_below: Schema.optionalWith(integerIn("exact_below", 0, 10_000_000), { default: () => 1000 }),
  /**
   * The most candidates one query takes from the index while filters reject them (it starts from what the
   * namespace's filters let through last time, and grows; never more than the index's `search_l`); when even that
   * many leave fewer than `k`, the query falls back to an exact scan.
   */
  max_candidates: Schema.optionalWith(integerIn("max_candidates", 10, 100_000), { default: () => 4000 }),
  /** Count what recall returns as retrieved, for requests that do not say (`count_retrieved`). */
  count_retrievals: flag(false)
})
/** The policy with defaults applied. */
export type RecallPolicy = typeof RecallPolicy.Type
/** The policy as written (every key optional). */
export type RecallPolicyInput = typeof RecallPolicy.Encoded

/** Every default. */
export const defaultRecallPolicy: RecallPolicy = Schema.decodeSync(RecallPolicy)({})

/** The index settings of a policy, as libSQL's `libsql_vector_idx` arguments. */
export const indexSettings = (policy: RecallPolicy): ReadonlyArray<string> => [
  `metric=${policy.metric}`,
  `max_neighbors=${policy.max_neighbors}`,
  ...(policy.compress_neighbors === "none" ? [] : [`compress_neighbors=${policy.compress_neighbors}`]),
  `search_l=${policy.search_l}`
]
