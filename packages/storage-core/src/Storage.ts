import { Codec, type CodecError } from "@memory-turso/compression"
import type {
  Embedding,
  EpisodeQuery,
  HeuristicQuery,
  ItemType,
  Namespace,
  PatternQuery,
  SimilarityMatch,
  SimilarityQuery
} from "@memory-turso/model"
import { Episode, Heuristic, Pattern } from "@memory-turso/model"
import { Database, type DatabaseFailure, type InvalidDatabaseUrl, type MissingAuthToken } from "@memory-turso/pool"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as CanonicalJson from "./CanonicalJson.js"
import { COUNTS, heuristics, patterns } from "./internal/catalogSql.js"
import { decodeCursor } from "./internal/cursor.js"
import * as Dictionaries from "./internal/dictionaries.js"
import { makeDocumentStore } from "./internal/documentStore.js"
import { list, upsert } from "./internal/documentTable.js"
import { makeEmbeddingStore } from "./internal/embeddingStore.js"
import { queryEpisodes } from "./internal/episodeQuery.js"
import { episodes, upsertEpisode } from "./internal/episodeSql.js"
import { walkEpisodes } from "./internal/episodeWalk.js"
import { codecPayload } from "./internal/payload.js"
import { migrate } from "./Migrations.js"
import { CompressionPolicy, DEFAULT_MAX_RESPONSE_BYTES, MaxResponseBytes, type Options } from "./StorageConfig.js"
import type { CorruptPayload, DictionaryUnavailable, InvalidCursor, NotFound } from "./StorageError.js"

/** One page of results and the cursor of the next page, if any. */
export interface Page<A> {
  readonly items: ReadonlyArray<A>
  readonly next_cursor: string | null
}

/** A dictionary stored in `compression_dictionaries`. */
export interface DictionaryInfo {
  readonly dictionary_id: number
  /** Its size in bytes. */
  readonly bytes: number
  /** How many episodes it was built from. */
  readonly samples: number
  readonly created_at: number
}

/** A batch read: the documents found, in the order asked; the ids not found; the ids past the byte budget. */
export interface BatchGet<A> {
  readonly found: ReadonlyArray<A>
  readonly missing: ReadonlyArray<string>
  /** Not read because the response reached its byte budget: ask for them again. */
  readonly unread: ReadonlyArray<string>
}

/** Canonical JSON of each document kind: the wire form and the stored payload. */
export const EpisodeJson = CanonicalJson.make(Episode)
export const PatternJson = CanonicalJson.make(Pattern)
export const HeuristicJson = CanonicalJson.make(Heuristic)

/** How many records of each kind the store holds. */
export interface Counts {
  readonly episodes: number
  readonly patterns: number
  readonly heuristics: number
  readonly embeddings: number
}

/**
 * Builds the storage operations over the `Database` and `Codec` services, after bringing the schema up to date.
 * Episode, pattern and heuristic payloads go through the codec; embeddings stay native float32 vectors.
 */
export const make = Effect.fn("Storage.make")(function* (options: Options = {}) {
  const db = yield* Database.Database
  const codec = yield* Codec.Codec
  const policy = yield* Schema.decodeUnknown(CompressionPolicy)(options.compression ?? {})
  const budget = yield* Schema.decodeUnknown(MaxResponseBytes)(options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES)
  yield* migrate()
  const format = codecPayload(codec, (id) => Dictionaries.fetch(db, codec, id), {
    episodes: policy.compress_episodes,
    patterns: policy.compress_patterns
  })
  const buildDictionary = Dictionaries.build(db, codec, format, policy)
  const afterEpisodeWrites = yield* Dictionaries.autoBuild(db, codec, policy, buildDictionary)

  const episodeStore = makeDocumentStore(db, format, budget, {
    entity: "episode",
    kind: "episodes",
    sql: episodes,
    json: EpisodeJson,
    idOf: (e) => e.episode_id,
    write: (namespace, e, stored, now) => upsertEpisode(namespace, e, stored.payload, stored.payloadBytes, now)
  })
  const patternStore = makeDocumentStore(db, format, budget, {
    entity: "pattern",
    kind: "patterns",
    sql: patterns,
    json: PatternJson,
    idOf: (p) => p.pattern_id,
    write: (namespace, p, stored, now) => [
      upsert(
        patterns,
        { namespace, id: p.pattern_id, values: [p.type, p.success_rate, p.occurrence_count], ...stored },
        now
      )
    ]
  })
  const heuristicStore = makeDocumentStore(db, format, budget, {
    entity: "heuristic",
    kind: "patterns",
    sql: heuristics,
    json: HeuristicJson,
    idOf: (h) => h.heuristic_id,
    write: (namespace, h, stored, now) => [
      upsert(heuristics, { namespace, id: h.heuristic_id, values: [h.confidence], ...stored }, now)
    ]
  })

  const embeddingStore = makeEmbeddingStore(db, budget)

  const cursorOf = (namespace: Namespace, cursor: string | undefined) =>
    cursor === undefined ? Effect.succeed(undefined) : decodeCursor(namespace, cursor)

  return Storage.of({
    maxResponseBytes: budget,
    upsertEpisode: Effect.fn("Storage.upsertEpisode")(function* (namespace: Namespace, episode: Episode) {
      yield* episodeStore.upsertMany(namespace, [episode])
      yield* afterEpisodeWrites(1)
      return episode
    }),
    upsertEpisodes: Effect.fn("Storage.upsertEpisodes")(function* (namespace: Namespace, list: ReadonlyArray<Episode>) {
      const stored = yield* episodeStore.upsertMany(namespace, list)
      yield* afterEpisodeWrites(list.length)
      return stored
    }),
    getEpisode: Effect.fn("Storage.getEpisode")(episodeStore.get),
    getEpisodes: Effect.fn("Storage.getEpisodes")(episodeStore.getMany),
    deleteEpisode: Effect.fn("Storage.deleteEpisode")(episodeStore.remove),
    queryEpisodes: Effect.fn("Storage.queryEpisodes")(function* (namespace: Namespace, query: EpisodeQuery) {
      const after = yield* cursorOf(namespace, query.cursor)
      // Many tag or metadata matches on an embedded database: a walk in chunks (see episodeWalk.ts).
      const walked = db.kind === "embedded" ? yield* walkEpisodes(db, namespace, query, after) : undefined
      if (walked !== undefined) return yield* episodeStore.pageOfRanked(namespace, walked, query.limit)
      return yield* episodeStore.page(namespace, queryEpisodes(namespace, query, after, budget), query.limit)
    }),

    upsertPattern: Effect.fn("Storage.upsertPattern")(function* (namespace: Namespace, pattern: Pattern) {
      yield* patternStore.upsertMany(namespace, [pattern])
      return pattern
    }),
    upsertPatterns: Effect.fn("Storage.upsertPatterns")(patternStore.upsertMany),
    getPattern: Effect.fn("Storage.getPattern")(patternStore.get),
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

    upsertHeuristic: Effect.fn("Storage.upsertHeuristic")(function* (namespace: Namespace, heuristic: Heuristic) {
      yield* heuristicStore.upsertMany(namespace, [heuristic])
      return heuristic
    }),
    upsertHeuristics: Effect.fn("Storage.upsertHeuristics")(heuristicStore.upsertMany),
    getHeuristic: Effect.fn("Storage.getHeuristic")(heuristicStore.get),
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

    buildDictionary: buildDictionary.pipe(Effect.withSpan("Storage.buildDictionary"))
  })
})

type Failure = DatabaseFailure
type ReadFailure = Failure | CorruptPayload
type ListFailure = ReadFailure | InvalidCursor

/**
 * The agent-memory store: episodes, patterns, heuristics and embeddings. Every operation on records takes the
 * namespace it works in first; no operation reads or writes another namespace's rows.
 */
export class Storage extends Context.Tag("@memory-turso/storage-core/Storage")<
  Storage,
  {
    /** The byte budget of one page or batch read (`Options.maxResponseBytes`). */
    readonly maxResponseBytes: number
    readonly upsertEpisode: (namespace: Namespace, episode: Episode) => Effect.Effect<Episode, Failure>
    /** Stores many episodes in one batch: one round trip, all or nothing. */
    readonly upsertEpisodes: (
      namespace: Namespace,
      episodes: ReadonlyArray<Episode>
    ) => Effect.Effect<ReadonlyArray<Episode>, Failure>
    readonly getEpisode: (namespace: Namespace, id: string) => Effect.Effect<Episode, NotFound | ReadFailure>
    /** Reads many episodes in one batch call. */
    readonly getEpisodes: (
      namespace: Namespace,
      ids: ReadonlyArray<string>
    ) => Effect.Effect<BatchGet<Episode>, ReadFailure>
    readonly deleteEpisode: (namespace: Namespace, id: string) => Effect.Effect<void, NotFound | Failure>
    readonly queryEpisodes: (namespace: Namespace, query: EpisodeQuery) => Effect.Effect<Page<Episode>, ListFailure>
    readonly upsertPattern: (namespace: Namespace, pattern: Pattern) => Effect.Effect<Pattern, Failure>
    readonly upsertPatterns: (
      namespace: Namespace,
      patterns: ReadonlyArray<Pattern>
    ) => Effect.Effect<ReadonlyArray<Pattern>, Failure>
    readonly getPattern: (namespace: Namespace, id: string) => Effect.Effect<Pattern, NotFound | ReadFailure>
    readonly getPatterns: (
      namespace: Namespace,
      ids: ReadonlyArray<string>
    ) => Effect.Effect<BatchGet<Pattern>, ReadFailure>
    readonly deletePattern: (namespace: Namespace, id: string) => Effect.Effect<void, NotFound | Failure>
    readonly listPatterns: (namespace: Namespace, query: PatternQuery) => Effect.Effect<Page<Pattern>, ListFailure>
    readonly upsertHeuristic: (namespace: Namespace, heuristic: Heuristic) => Effect.Effect<Heuristic, Failure>
    readonly upsertHeuristics: (
      namespace: Namespace,
      heuristics: ReadonlyArray<Heuristic>
    ) => Effect.Effect<ReadonlyArray<Heuristic>, Failure>
    readonly getHeuristic: (namespace: Namespace, id: string) => Effect.Effect<Heuristic, NotFound | ReadFailure>
    readonly getHeuristics: (
      namespace: Namespace,
      ids: ReadonlyArray<string>
    ) => Effect.Effect<BatchGet<Heuristic>, ReadFailure>
    readonly deleteHeuristic: (namespace: Namespace, id: string) => Effect.Effect<void, NotFound | Failure>
    readonly listHeuristics: (
      namespace: Namespace,
      query: HeuristicQuery
    ) => Effect.Effect<Page<Heuristic>, ListFailure>
    /** Stores an item's embedding; fails with `NotFound` when the item does not exist in the namespace. */
    readonly upsertEmbedding: (
      namespace: Namespace,
      embedding: Embedding
    ) => Effect.Effect<Embedding, NotFound | Failure>
    readonly getEmbedding: (
      namespace: Namespace,
      itemType: ItemType,
      itemId: string
    ) => Effect.Effect<Embedding, NotFound | Failure>
    readonly deleteEmbedding: (
      namespace: Namespace,
      itemType: ItemType,
      itemId: string
    ) => Effect.Effect<void, NotFound | Failure>
    /**
     * The nearest embeddings within the namespace, best first, in a page of at most `k` within the byte budget
     * (`next_cursor` when the budget cut it short). An embedded database is scanned in chunks, letting the event
     * loop run between them.
     */
    readonly searchEmbeddings: (
      namespace: Namespace,
      query: SimilarityQuery
    ) => Effect.Effect<Page<SimilarityMatch>, Failure | InvalidCursor>
    /** How many records of each kind the namespace holds. */
    readonly counts: (namespace: Namespace) => Effect.Effect<Counts, Failure>
    /** One real round trip to the database. */
    readonly ping: Effect.Effect<void, Failure>
    /**
     * Builds a compression dictionary from the most recent episodes, stores it beside the data and makes this
     * process's new writes use it (other processes read its rows by fetching it). Needs `use_dictionary`.
     */
    readonly buildDictionary: Effect.Effect<DictionaryInfo, DictionaryUnavailable | ReadFailure>
  }
>() {}

/** The storage layer; needs a `Database` and a `Codec`. Invalid options fail it with a `ParseError`. */
export const layer = (options: Options = {}) => Layer.effect(Storage, make(options))

/** Storage over a fresh temporary embedded database with the default codec (zstd above 1 KiB). */
export const layerTest: Layer.Layer<
  Storage,
  DatabaseFailure | InvalidDatabaseUrl | MissingAuthToken | CodecError.InvalidConfig | ParseResult.ParseError
> = layer().pipe(Layer.provide(Layer.merge(Database.layerTest, Codec.layer())))
