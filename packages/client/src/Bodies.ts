import type {
  BatchStored as BatchStoredSchema,
  DbHealth as DbHealthSchema,
  DictionaryInfo as DictionaryInfoSchema,
  Embedding,
  Health as HealthSchema,
  HeuristicQuery,
  Liveness as LivenessSchema,
  PatternQuery,
  Readiness as ReadinessSchema,
  RecallQuery,
  SimilarityQuery
} from "@memory-turso/model"

/** A batch write's answer: how many were stored and their ids (generated ones included), in order. */
export type BatchStored = typeof BatchStoredSchema.Type

/** One page of a listing, newest first; pass `next_cursor` as `cursor` for the next (null on the last page). */
export interface Page<A> {
  readonly items: ReadonlyArray<A>
  readonly next_cursor: string | null
}

/**
 * A batch read: the records found, in the order asked; the ids that were not; and the ids the server did not read
 * because its response reached its byte budget (`limits.max_response_bytes`): ask for those again.
 */
export interface BatchGet<A> {
  readonly items: ReadonlyArray<A>
  readonly missing: ReadonlyArray<string>
  readonly unread: ReadonlyArray<string>
}

/** Listing patterns as sent: `type`, `limit` (1-1000, default 50), `cursor`. */
export type PatternQueryInput = typeof PatternQuery.Encoded

/** Listing heuristics as sent: `limit`, `cursor`. */
export type HeuristicQueryInput = typeof HeuristicQuery.Encoded

/** A similarity search as sent: `vector`, `k` (default 10), `threshold`, `item_type`, `model`, `cursor`. */
export type SimilarityQueryInput = typeof SimilarityQuery.Encoded

/**
 * A recall as sent: `text`, `vector` (one at least), `k` (1-100, default 10), `kinds`, `filters`, `exact`,
 * `count_retrieved`.
 */
export type RecallQueryInput = typeof RecallQuery.Encoded

/** An embedding as sent for one item: the model that produced it and its vector. */
export type EmbeddingInput = Omit<typeof Embedding.Encoded, "item_type" | "item_id">

/** `/health`: `status` healthy or unhealthy (a 503 answer), the features in use. */
export type Health = typeof HealthSchema.Type

/** `/db-health`: `/health` plus a round trip's latency and the namespace's record counts. */
export type DbHealth = typeof DbHealthSchema.Type

/** `/livez`: the process serves requests. */
export type Liveness = typeof LivenessSchema.Type

/** `/readyz`: the API is ready (a 503 `not_ready` is thrown as an `ApiError`). */
export type Readiness = typeof ReadinessSchema.Type

/** A compression dictionary that was built and is now used for new writes. */
export type DictionaryInfo = typeof DictionaryInfoSchema.Type

/** The OpenAPI 3.1 document of the API, as JSON. */
export type OpenApiDocument = { readonly openapi: string } & Readonly<Record<string, unknown>>
