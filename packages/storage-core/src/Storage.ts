import { Codec, type CodecError } from "@memory-turso/compression"
import type {
  Embedding,
  EpisodeQuery,
  HeuristicQuery,
  ItemType,
  Namespace,
  PatternQuery,
  RecallQuery,
  RecallResult,
  SimilarityMatch,
  SimilarityQuery
} from "@memory-turso/model"
import { Episode, Heuristic, Pattern } from "@memory-turso/model"
import { Database, type DatabaseFailure, type InvalidDatabaseUrl, type MissingAuthToken } from "@memory-turso/pool"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as CanonicalJson from "./CanonicalJson.js"
import { COUNTS, heuristics, patterns } from "./internal/catalogSql.js"
import { decodeCursor } from "./internal/cursor.js"
import * as Dictionaries from "./internal/dictionaries.js"
import * as DictionaryKeeper from "./internal/dictionaryKeeper.js"
import { makeDocumentStore } from "./internal/documentStore.js"
import { list } from "./internal/documentTable.js"
import { makeEmbeddingStore } from "./internal/embeddingStore.js"
import { queryEpisodes } from "./internal/episodeQuery.js"
import { episodeIndexRows, episodeIndexRowsMany, episodes, episodeValues } from "./internal/episodeSql.js"
import { walkEpisodes } from "./internal/episodeWalk.js"
import { trimLoop } from "./internal/idempotencyKeys.js"
import { codecPayload } from "./internal/payload.js"
import { makeRecall } from "./internal/recall.js"
import { TEXT_TABLES } from "./internal/recallSchema.js"
import { episodeText, heuristicText, patternText, textSql } from "./internal/textIndex.js"
import { makeVectorIndexes } from "./internal/vectorIndex.js"
import { makeVectorRecall } from "./internal/vectorRecall.js"
import { migrate } from "./Migrations.js"
import { RecallPolicy } from "./RecallConfig.js"
import { CompressionPolicy, DEFAULT_MAX_RESPONSE_BYTES, MaxResponseBytes, type Options } from "./StorageConfig.js"
import type {
  CorruptPayload,
  DictionaryUnavailable,
  IdempotencyKeyUsed,
  InvalidCursor,
  NotFound,
  OutcomeUnknown,
  PreconditionFailed
} from "./StorageError.js"
import {
  type BatchOptions,
  DEFAULT_IDEMPOTENCY_WINDOW,
  type VersionCondition,
  type WriteOptions
} from "./WriteOptions.js"

/** One page of results and the cursor of the next page, if any. */
export interface Page<A> {
  readonly items: ReadonlyArray<A>
  readonly next_cursor: string | null
}

import type { DictionaryInfo, DictionaryStats } from "./DictionaryStats.js"

export type { DictionaryInfo, DictionaryStats }

/** A batch read: the documents found, in the order asked; the ids not found; the ids past the byte budget. */
export interface BatchGet<A> {
  readonly found: ReadonlyArray<A>
  readonly missing: ReadonlyArray<string>
  /** Not read because the response reached its byte budget: ask for them again. */
  readonly unread: ReadonlyArray<string>
}

/**
 * A record's canonical JSON, its `version` included, as UTF-8 bytes: what a response sends, read from the row
 * without building the record (see `getEpisodeJson`).
 */
export interface StoredJson {
  readonly bytes: Uint8Array
  readonly version: number
}

/** Canonical JSON of each document kind: the wire form and the stored payload. */
export const EpisodeJson = CanonicalJson.make(Episode, { decodedAsIs: true })
export const PatternJson = CanonicalJson.make(Pattern, { decodedAsIs: true })
export const HeuristicJson = CanonicalJson.make(Heuristic, { decodedAsIs: true })

/** How many records of each kind the store holds. */
export interface Counts {
  readonly episodes: number
  readonly patterns: number
  readonly heuristics: number
  readonly embeddings: number
}

/**
 * Builds the storage operations over the `Database` and `Codec` services, after bringing the schema up to date.
 * Episode, pattern and heuristic payloads go through the codec; embeddings stay native float32 vectors. Trims
 * expired idempotency keys and keeps compression dictionaries (see `dictionaryKeeper.ts`) in the background for as
 * long as the scope lasts.
 */
export const make = Effect.fn("Storage.make")(function* (options: Options = {}) {
  const db = yield* Database.Database
  const codec = yield* Codec.Codec
  const policy = yield* Schema.decodeUnknown(CompressionPolicy)(options.compression ?? {})
  const window = Duration.decode(options.idempotencyWindow ?? DEFAULT_IDEMPOTENCY_WINDOW)
  const budget = yield* Schema.decodeUnknown(MaxResponseBytes)(options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES)
  yield* migrate()
  yield* Effect.forkScoped(trimLoop(db, window))
  const codecFormat = codecPayload(codec, (id) => Dictionaries.fetch(db, codec, id), {
    episodes: policy.compress_episodes,
    patterns: policy.compress_patterns
  })
  const keeper = yield* DictionaryKeeper.make(db, codec, codecFormat, policy)
  const format = keeper.observing(codecFormat)
  const { afterEpisodeWrites, retryRefused } = keeper

  const episodeStore = makeDocumentStore(db, format, window, budget, {
    entity: "episode",
    kind: "episodes",
    sql: episodes,
    json: EpisodeJson,
    idOf: (e) => e.episode_id,
    values: episodeValues,
    indexRows: episodeIndexRows,
    indexRowsMany: episodeIndexRowsMany,
    text: { sql: textSql(TEXT_TABLES.episodes), of: episodeText }
  })
  const patternStore = makeDocumentStore(db, format, window, budget, {
    entity: "pattern",
    kind: "patterns",
    sql: patterns,
    json: PatternJson,
    idOf: (p) => p.pattern_id,
    values: (p) => [p.type, p.success_rate, p.occurrence_count],
    text: { sql: textSql(TEXT_TABLES.patterns), of: patternText }
  })
  const heuristicStore = makeDocumentStore(db, format, window, budget, {
    entity: "heuristic",
    kind: "patterns",
    sql: heuristics,
    json: HeuristicJson,
    idOf: (h) => h.heuristic_id,
    values: (h) => [h.confidence],
    text: { sql: textSql(TEXT_TABLES.heuristics), of: heuristicText }
  })

  const recallPolicy = yield* Schema.decodeUnknown(RecallPolicy)(options.recall ?? {})
  const vectorIndexes = makeVectorIndexes(db, recallPolicy)
  yield* vectorIndexes.start
  const embeddingStore = makeEmbeddingStore(db, budget, vectorIndexes)
  const recall = makeRecall(db, makeVectorRecall(db, vectorIndexes, recallPolicy), recallPolicy)
  yield* Effect.forEach([episodeStore, patternStore, heuristicStore], (store) => store.backfillText, { discard: true })

  const cursorOf = (namespace: Namespace, cursor: string | undefined) =>
    cursor === undefined ? Effect.succeed(undefined) : decodeCursor(namespace, cursor)

  return Storage.of({
    maxResponseBytes: budget,
    upsertEpisode: Effect.fn("Storage.upsertEpisode")(function* (
      namespace: Namespace,
      episode: Episode,
      options?: WriteOptions
    ) {
      const stored = yield* retryRefused(episodeStore.put(namespace, episode, options))
      yield* afterEpisodeWrites(1)
      return stored
    }),
    upsertEpisodes: Effect.fn("Storage.upsertEpisodes")(function* (
      namespace: Namespace,
      list: ReadonlyArray<Episode>,
      options?: BatchOptions
    ) {
      const stored = yield* retryRefused(episodeStore.putMany(namespace, list, options))
      yield* afterEpisodeWrites(list.length)
      return stored
    }),
    getEpisode: Effect.fn("Storage.getEpisode")(episodeStore.get),
    // The byte reads are the uncached read path of the API, untraced like the cache's hot reads: a span with its
    // call-site capture costs about a third of the engine's own point read + decode.
    getEpisodeJson: episodeStore.getJson,
    getEpisodes: Effect.fn("Storage.getEpisodes")(episodeStore.getMany),
    deleteEpisode: Effect.fn("Storage.deleteEpisode")(episodeStore.remove),
    queryEpisodes: Effect.fn("Storage.queryEpisodes")(function* (namespace: Namespace, query: EpisodeQuery) {
      const after = yield* cursorOf(namespace, query.cursor)
      // Many tag or metadata matches on an embedded database: a walk in chunks (see episodeWalk.ts).
      const walked = db.kind === "embedded" ? yield* walkEpisodes(db, namespace, query, after) : undefined
      if (walked !== undefined) return yield* episodeStore.pageOfRanked(namespace, walked, query.limit)
      return yield* episodeStore.page(namespace, queryEpisodes(namespace, query, after, budget), query.limit)
    }),

    upsertPattern: Effect.fn("Storage.upsertPattern")(
      (namespace: Namespace, document: Pattern, options?: WriteOptions) =>
        retryRefused(patternStore.put(namespace, document, options))
    ),
    upsertPatterns: Effect.fn("Storage.upsertPatterns")(
      (namespace: Namespace, documents: ReadonlyArray<Pattern>, options?: BatchOptions) =>
        retryRefused(patternStore.putMany(namespace, documents, options))
    ),
    getPattern: Effect.fn("Storage.getPattern")(patternStore.get),
    getPatternJson: patternStore.getJson,
    getPatterns: Effect.fn("Storage.getPatterns")(patternStore.getMany),
    deletePattern: Effect.fn("Storage.deletePattern")(patternStore.remove),
    listPatterns: Effect.fn("Storage.listPatterns")(function* (namespace: Namespace, query: PatternQuery) {
      const after = yield* cursorOf(namespace, query.cursor)
      const filters = query.type === undefined ? [] : ([["pattern_type", query.type]] as const)
      return yield* patternStore.page(
        namespace,
        list(patterns, namespace, filters, after, query.limit, budget),
        query.limit
      )
    }),

    upsertHeuristic: Effect.fn("Storage.upsertHeuristic")(
      (namespace: Namespace, document: Heuristic, options?: WriteOptions) =>
        retryRefused(heuristicStore.put(namespace, document, options))
    ),
    upsertHeuristics: Effect.fn("Storage.upsertHeuristics")(
      (namespace: Namespace, documents: ReadonlyArray<Heuristic>, options?: BatchOptions) =>
        retryRefused(heuristicStore.putMany(namespace, documents, options))
    ),
    getHeuristic: Effect.fn("Storage.getHeuristic")(heuristicStore.get),
    getHeuristicJson: heuristicStore.getJson,
    getHeuristics: Effect.fn("Storage.getHeuristics")(heuristicStore.getMany),
    deleteHeuristic: Effect.fn("Storage.deleteHeuristic")(heuristicStore.remove),
    listHeuristics: Effect.fn("Storage.listHeuristics")(function* (namespace: Namespace, query: HeuristicQuery) {
      const after = yield* cursorOf(namespace, query.cursor)
      return yield* heuristicStore.page(
        namespace,
        list(heuristics, namespace, [], after, query.limit, budget),
        query.limit
      )
    }),

    ...embeddingStore,
    recall: Effect.fn("Storage.recall")(recall),

    counts: Effect.fn("Storage.counts")(function* (namespace: Namespace) {
      const result = yield* db.execute({ sql: COUNTS, args: [namespace] })
      const row = result.rows[0]!
      return {
        episodes: Number(row["episodes"]),
        patterns: Number(row["patterns"]),
        heuristics: Number(row["heuristics"]),
        embeddings: Number(row["embeddings"])
      } satisfies Counts
    }),

    ping: db.execute({ sql: "SELECT 1", args: [] }).pipe(Effect.asVoid, Effect.withSpan("Storage.ping")),

    buildDictionary: keeper.buildNow.pipe(Effect.withSpan("Storage.buildDictionary")),
    dictionaryStats: keeper.stats,
    sweepDictionaries: keeper.sweep.pipe(Effect.withSpan("Storage.sweepDictionaries"))
  })
})

type Failure = DatabaseFailure
type ReadFailure = Failure | CorruptPayload
type ListFailure = ReadFailure | InvalidCursor
/** A write that fails as unavailable is not retried unless safe: its outcome is then unknown. */
type WriteFailure = Failure | OutcomeUnknown
/** A conditional (`ifVersion`) or keyed (`idempotency`) write. */
type PutFailure = WriteFailure | PreconditionFailed | IdempotencyKeyUsed
type BatchFailure = WriteFailure | IdempotencyKeyUsed
type DeleteFailure = NotFound | WriteFailure | PreconditionFailed

/** Writes of one document (returned with its new version), many in one batch, and deletes, with conditions. */
type Put<A> = (namespace: Namespace, document: A, options?: WriteOptions) => Effect.Effect<A, PutFailure>
type PutMany<A> = (
  namespace: Namespace,
  documents: ReadonlyArray<A>,
  options?: BatchOptions
) => Effect.Effect<ReadonlyArray<A>, BatchFailure>
type Delete = (namespace: Namespace, id: string, options?: VersionCondition) => Effect.Effect<void, DeleteFailure>
type Get<A> = (namespace: Namespace, id: string) => Effect.Effect<A, NotFound | ReadFailure>
/**
 * One record as its canonical JSON bytes (version included), the same bytes its `get` would serialise to. A
 * compressed payload is served without parsing (its envelope's checksum vouches for it; its id is checked); a
 * damaged row fails with `CorruptPayload` as `get` does.
 */
type GetJson = (namespace: Namespace, id: string) => Effect.Effect<StoredJson, NotFound | ReadFailure>
type GetMany<A> = (namespace: Namespace, ids: ReadonlyArray<string>) => Effect.Effect<BatchGet<A>, ReadFailure>

/**
 * The agent-memory store: episodes, patterns, heuristics and embeddings. Every operation on records takes the
 * namespace it works in first; no operation reads or writes another namespace's rows. Every record carries a
 * version (1 when created, one more on each write), which a write or delete can require (`ifVersion`); a write
 * can carry an idempotency key, which makes a repeated write answer with the first one's result.
 */
export class Storage extends Context.Tag("@memory-turso/storage-core/Storage")<
  Storage,
  {
    /** The byte budget of one page or batch read (`Options.maxResponseBytes`). */
    readonly maxResponseBytes: number
    readonly upsertEpisode: Put<Episode>
    /** Stores many episodes in one batch: one round trip, all or nothing. */
    readonly upsertEpisodes: PutMany<Episode>
    readonly getEpisode: Get<Episode>
    readonly getEpisodeJson: GetJson
    /** Reads many episodes in one batch call. */
    readonly getEpisodes: GetMany<Episode>
    readonly deleteEpisode: Delete
    readonly queryEpisodes: (namespace: Namespace, query: EpisodeQuery) => Effect.Effect<Page<Episode>, ListFailure>
    readonly upsertPattern: Put<Pattern>
    readonly upsertPatterns: PutMany<Pattern>
    readonly getPattern: Get<Pattern>
    readonly getPatternJson: GetJson
    readonly getPatterns: GetMany<Pattern>
    readonly deletePattern: Delete
    readonly listPatterns: (namespace: Namespace, query: PatternQuery) => Effect.Effect<Page<Pattern>, ListFailure>
    readonly upsertHeuristic: Put<Heuristic>
    readonly upsertHeuristics: PutMany<Heuristic>
    readonly getHeuristic: Get<Heuristic>
    readonly getHeuristicJson: GetJson
    readonly getHeuristics: GetMany<Heuristic>
    readonly deleteHeuristic: Delete
    readonly listHeuristics: (
      namespace: Namespace,
      query: HeuristicQuery
    ) => Effect.Effect<Page<Heuristic>, ListFailure>
    /**
     * Stores an item's embedding, returned with its new version; fails with `NotFound` when the item does not
     * exist in the namespace. With `ifVersion`, replaces only the embedding at that version.
     */
    readonly upsertEmbedding: (
      namespace: Namespace,
      embedding: Embedding,
      options?: VersionCondition
    ) => Effect.Effect<Embedding, NotFound | WriteFailure | PreconditionFailed>
    readonly getEmbedding: (
      namespace: Namespace,
      itemType: ItemType,
      itemId: string
    ) => Effect.Effect<Embedding, NotFound | Failure>
    readonly deleteEmbedding: (
      namespace: Namespace,
      itemType: ItemType,
      itemId: string,
      options?: VersionCondition
    ) => Effect.Effect<void, DeleteFailure>
    /**
     * The nearest embeddings within the namespace, best first, in a page of at most `k` within the byte budget
     * (`next_cursor` when the budget cut it short). An embedded database is scanned in chunks, letting the event
     * loop run between them.
     */
    readonly searchEmbeddings: (
      namespace: Namespace,
      query: SimilarityQuery
    ) => Effect.Effect<Page<SimilarityMatch>, Failure | InvalidCursor>
    /**
     * The `k` episodes, patterns and heuristics of the namespace most relevant to a text (BM25 over their words), a
     * vector (cosine similarity, through the vector index of its dimension unless `exact`), or both fused by
     * reciprocal rank, under the query's filters; each with its score breakdown, and how it was found. With
     * counting, the items returned are counted as retrieved.
     */
    readonly recall: (namespace: Namespace, query: RecallQuery) => Effect.Effect<RecallResult, Failure>
    /** How many records of each kind the namespace holds. */
    readonly counts: (namespace: Namespace) => Effect.Effect<Counts, Failure>
    /** One real round trip to the database. */
    readonly ping: Effect.Effect<void, Failure>
    /**
     * Builds a compression dictionary from the most recent episodes, stores it beside the data and makes this
     * process's new writes use it (other processes read its rows by fetching it). Needs `use_dictionary`.
     */
    readonly buildDictionary: Effect.Effect<DictionaryInfo, DictionaryUnavailable | ReadFailure>
    /** The dictionary keeper's figures (current dictionary, builds, rebuilds, removals, ratios). */
    readonly dictionaryStats: Effect.Effect<DictionaryStats>
    /**
     * Sweeps now (as the background does every `dictionary_sweep_interval_secs`): adopts a newer dictionary another
     * process built, and removes the dictionaries no row uses, never the newest nor the one this process writes with.
     * Returns the ids removed.
     */
    readonly sweepDictionaries: Effect.Effect<ReadonlyArray<number>, Failure>
  }
>() {}

/** The storage layer; needs a `Database` and a `Codec`. Invalid options fail it with a `ParseError`. */
export const layer = (options: Options = {}) => Layer.scoped(Storage, make(options))

/** Storage over a fresh temporary embedded database with the default codec (zstd above 1 KiB). */
export const layerTest: Layer.Layer<
  Storage,
  DatabaseFailure | InvalidDatabaseUrl | MissingAuthToken | CodecError.InvalidConfig | ParseResult.ParseError
> = layer().pipe(Layer.provide(Layer.merge(Database.layerTest, Codec.layer())))
