import * as Schema from "effect/Schema"
import { Vector } from "./Embedding.js"
import { TaskType } from "./Episode.js"
import { Identifier } from "./Identifier.js"
import { Timestamp } from "./Timestamp.js"

/** What recall can return. */
export const RecallKind = Schema.Literal("episode", "pattern", "heuristic")
export type RecallKind = typeof RecallKind.Type

/** Every kind, the default of `kinds`. */
export const RECALL_KINDS: ReadonlyArray<RecallKind> = ["episode", "pattern", "heuristic"]

/**
 * Filters of a recall, all optional and combined with AND. `task_type`, `domain` and `tags` (every one of them)
 * describe episodes: with any of them, patterns and heuristics are left out. `since` (inclusive) and `until`
 * (exclusive) bound episodes' `start_time` and patterns' and heuristics' creation time. `model` keeps embeddings of
 * that model only.
 */
export const RecallFilters = Schema.Struct({
  task_type: Schema.optionalWith(TaskType, { exact: true }),
  domain: Schema.optionalWith(Schema.String, { exact: true }),
  tags: Schema.optionalWith(Schema.Array(Schema.String).pipe(Schema.minItems(1), Schema.maxItems(32)), {
    exact: true
  }),
  since: Schema.optionalWith(Timestamp, { exact: true }),
  until: Schema.optionalWith(Timestamp, { exact: true }),
  model: Schema.optionalWith(Schema.String, { exact: true })
}).annotations({ identifier: "RecallFilters" })
export type RecallFilters = typeof RecallFilters.Type

/**
 * A recall: the `k` items most relevant to `text` (full-text, BM25), `vector` (cosine similarity over the
 * embeddings of the vector's dimension), or both (fused by reciprocal rank). `exact` scans every vector instead of
 * asking the index. `count_retrieved` counts each returned item as retrieved (the server's default when absent).
 */
export const RecallQuery = Schema.Struct({
  text: Schema.optionalWith(Schema.String.pipe(Schema.minLength(1), Schema.maxLength(4096)), { exact: true }),
  vector: Schema.optionalWith(Vector, { exact: true }),
  k: Schema.optionalWith(Schema.Int.pipe(Schema.between(1, 100)), { default: () => 10 }),
  kinds: Schema.optionalWith(Schema.Array(RecallKind).pipe(Schema.minItems(1), Schema.maxItems(3)), {
    default: () => RECALL_KINDS
  }),
  filters: Schema.optionalWith(RecallFilters, { default: () => ({}) }),
  exact: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  count_retrieved: Schema.optionalWith(Schema.Boolean, { exact: true })
})
  .pipe(Schema.filter((q) => q.text !== undefined || q.vector !== undefined || "expected `text`, `vector` or both"))
  .annotations({ identifier: "RecallQuery" })
export type RecallQuery = typeof RecallQuery.Type
export type RecallQueryInput = typeof RecallQuery.Encoded

/**
 * Why an item ranks where it does: its rank and score in each list it is in (`vector_similarity`: cosine
 * similarity; `bm25`: BM25 relevance, higher is better, comparable within one kind), and the fused score, the sum of
 * 1 / (rrf_k + rank) over those lists.
 */
export const RecallScore = Schema.Struct({
  fused: Schema.Number,
  vector_rank: Schema.optionalWith(Schema.Int, { exact: true }),
  vector_similarity: Schema.optionalWith(Schema.Number, { exact: true }),
  text_rank: Schema.optionalWith(Schema.Int, { exact: true }),
  bm25: Schema.optionalWith(Schema.Number, { exact: true })
}).annotations({ identifier: "RecallScore" })
export type RecallScore = typeof RecallScore.Type

/** One recalled item; `times_retrieved` when the recall counted retrievals. */
export const RecallItem = Schema.Struct({
  item_type: RecallKind,
  item_id: Identifier,
  score: RecallScore,
  times_retrieved: Schema.optionalWith(Schema.Int, { exact: true })
}).annotations({ identifier: "RecallItem" })
export type RecallItem = typeof RecallItem.Type

/**
 * How the vector side was answered: `index` (DiskANN, `candidates` taken from it in `index_queries` queries),
 * `exact` (a scan: asked for, a small namespace, or filters too selective for the index), or `none` (no vector, or
 * no kind with embeddings).
 */
export const RecallPlan = Schema.Struct({
  vector: Schema.Literal("index", "exact", "none"),
  candidates: Schema.NonNegativeInt,
  index_queries: Schema.NonNegativeInt,
  text: Schema.Boolean
}).annotations({ identifier: "RecallPlan" })
export type RecallPlan = typeof RecallPlan.Type

/** The answer of a recall: items, best first, and how they were found. */
export const RecallResult = Schema.Struct({
  items: Schema.Array(RecallItem),
  plan: RecallPlan
}).annotations({ identifier: "RecallResult" })
export type RecallResult = typeof RecallResult.Type
