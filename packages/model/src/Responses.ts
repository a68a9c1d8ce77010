import * as Schema from "effect/Schema"
import { SimilarityMatch } from "./Embedding.js"
import { Identifier } from "./Identifier.js"

/** The fields of a page of `plural`. */
type PageFields<P extends string, S extends Schema.Schema.AnyNoContext> = { readonly [K in P]: Schema.Array$<S> } & {
  readonly next_cursor: Schema.NullOr<typeof Schema.String>
}

/** Ids a batch read did not read (absent in an older server's body: none). */
const Unread = Schema.optionalWith(Schema.Array(Identifier), { default: (): ReadonlyArray<string> => [] })

/** The fields of a batch read of `plural`. */
type BatchGetFields<P extends string, S extends Schema.Schema.AnyNoContext> = {
  readonly [K in P]: Schema.Array$<S>
} & {
  readonly missing: Schema.Array$<typeof Identifier>
  readonly unread: typeof Unread
}

/** One page of a listing, newest first, and the cursor of the next page (`null` on the last). */
export const pageOf = <P extends string, S extends Schema.Schema.AnyNoContext>(plural: P, item: S) =>
  Schema.Struct({ [plural]: Schema.Array(item), next_cursor: Schema.NullOr(Schema.String) } as PageFields<P, S>)

/**
 * What a batch read found, in the order asked; the ids it did not find; and the ids it did not read because the
 * response reached its byte budget (ask for them again). The server always sends `unread`; a body without it (from
 * an older server) reads as none.
 */
export const batchGetOf = <P extends string, S extends Schema.Schema.AnyNoContext>(plural: P, item: S) =>
  Schema.Struct({
    [plural]: Schema.Array(item),
    missing: Schema.Array(Identifier),
    unread: Unread
  } as BatchGetFields<P, S>)

/** A batch write: how many records were stored, and their ids (generated ones included), in order. */
export const BatchStored = Schema.Struct({ stored: Schema.NonNegativeInt, ids: Schema.Array(Identifier) }).annotations({
  identifier: "BatchStored"
})
export type BatchStored = typeof BatchStored.Type

/**
 * A similarity search's hits, best first, and where the ranking goes on when the response's byte budget cut it
 * short (`null` otherwise): send the same query with it as `cursor`. The server always sends `next_cursor`; a body
 * without it (from an older server) reads as `null`.
 */
export const SearchResult = Schema.Struct({
  matches: Schema.Array(SimilarityMatch),
  next_cursor: Schema.optionalWith(Schema.NullOr(Schema.String), { default: () => null })
}).annotations({ identifier: "SearchResult" })
export type SearchResult = typeof SearchResult.Type

/** A compression dictionary that was built and is now used for new writes. */
export const DictionaryInfo = Schema.Struct({
  dictionary_id: Schema.Int,
  bytes: Schema.NonNegativeInt,
  samples: Schema.NonNegativeInt,
  created_at: Schema.Number
}).annotations({ identifier: "DictionaryInfo" })
export type DictionaryInfo = typeof DictionaryInfo.Type

/** Which optimizations the server really runs with. */
export const Features = Schema.Struct({
  keepalive: Schema.Boolean,
  compression: Schema.Boolean,
  cache: Schema.Boolean,
  prepared_statements: Schema.Boolean,
  batch_operations: Schema.Literal(true)
}).annotations({ identifier: "Features" })
export type Features = typeof Features.Type

const healthFields = {
  status: Schema.Literal("healthy", "unhealthy"),
  optimizations: Schema.Literal("enabled", "disabled"),
  features: Features,
  /** Optional layers asked for that could not start. */
  degraded: Schema.optionalWith(Schema.Array(Schema.Struct({ feature: Schema.String, reason: Schema.String })), {
    exact: true
  }),
  /** Why the server is unhealthy. */
  reason: Schema.optionalWith(Schema.String, { exact: true })
}

/** `/health`: the features in use and whether the database answered. */
export const Health = Schema.Struct(healthFields).annotations({ identifier: "Health" })
export type Health = typeof Health.Type

/** How many records of each kind a namespace holds. */
export const Counts = Schema.Struct({
  episodes: Schema.NonNegativeInt,
  patterns: Schema.NonNegativeInt,
  heuristics: Schema.NonNegativeInt,
  embeddings: Schema.NonNegativeInt
}).annotations({ identifier: "Counts" })
export type Counts = typeof Counts.Type

/** `/db-health`: `/health` plus a real round trip's latency and the request namespace's counts. */
export const DbHealth = Schema.Struct({
  ...healthFields,
  database: Schema.optionalWith(Schema.Literal("embedded", "remote"), { exact: true }),
  latency_ms: Schema.optionalWith(Schema.Number, { exact: true }),
  counts: Schema.optionalWith(Counts, { exact: true })
}).annotations({ identifier: "DbHealth" })
export type DbHealth = typeof DbHealth.Type

/** `/livez`: the process serves requests. */
export const Liveness = Schema.Struct({ status: Schema.Literal("alive") }).annotations({ identifier: "Liveness" })
export type Liveness = typeof Liveness.Type

/** `/readyz`: migrations are done, the database answers and the server is not draining. */
export const Readiness = Schema.Struct({ status: Schema.Literal("ready") }).annotations({ identifier: "Readiness" })
export type Readiness = typeof Readiness.Type
