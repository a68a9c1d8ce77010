import { Codec, type CodecError } from "@memory-turso/compression"
import { Database, type DatabaseFailure, type InvalidDatabaseUrl, type MissingAuthToken } from "@memory-turso/pool"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as CanonicalJson from "./CanonicalJson.js"
import { decodeCursor, type Page } from "./internal/cursor.js"
import type { DictionaryInfo } from "./internal/dictionaries.js"
import * as Dictionaries from "./internal/dictionaries.js"
import { type BatchGet, makeDocumentStore } from "./internal/documentStore.js"
import { documentSql, list, upsert } from "./internal/documentTable.js"
import * as EmbeddingSql from "./internal/embeddingSql.js"
import { queryEpisodes } from "./internal/episodeQuery.js"
import { episodes, upsertEpisode } from "./internal/episodeSql.js"
import { codecPayload } from "./internal/payload.js"
import { migrate } from "./Migrations.js"
import type { HeuristicQuery, PatternQuery } from "./model/CatalogQuery.js"
import type { Embedding, ItemType, SimilarityMatch, SimilarityQuery } from "./model/Embedding.js"
import { Episode } from "./model/Episode.js"
import type { EpisodeQuery } from "./model/EpisodeQuery.js"
import { Heuristic } from "./model/Heuristic.js"
import { Pattern } from "./model/Pattern.js"
import { type CorruptPayload, type DictionaryUnavailable, type InvalidCursor, NotFound } from "./StorageError.js"

export type { Page } from "./internal/cursor.js"
export type { DictionaryInfo } from "./internal/dictionaries.js"
export type { BatchGet } from "./internal/documentStore.js"

/** Canonical JSON of each document kind: the wire form and the stored payload. */
export const EpisodeJson = CanonicalJson.make(Episode)
export const PatternJson = CanonicalJson.make(Pattern)
export const HeuristicJson = CanonicalJson.make(Heuristic)

const patterns = documentSql({
  table: "patterns",
  id: "pattern_id",
  columns: ["pattern_type", "success_rate", "occurrence_count"],
  orderBy: "created_at"
})

const heuristics = documentSql({
  table: "heuristics",
  id: "heuristic_id",
  columns: ["confidence"],
  orderBy: "created_at"
})

/** How many records of each kind the store holds. */
export interface Counts {
  readonly episodes: number
  readonly patterns: number
  readonly heuristics: number
  readonly embeddings: number
}

const COUNTS = `SELECT (SELECT count(*) FROM episodes) AS episodes, (SELECT count(*) FROM patterns) AS patterns,
  (SELECT count(*) FROM heuristics) AS heuristics, (SELECT count(*) FROM embeddings) AS embeddings`

/**
 * Builds the storage operations over the `Database` and `Codec` services, after bringing the schema up to date.
 * Episode, pattern and heuristic payloads go through the codec; embeddings stay native float32 vectors.
 */
export const make = Effect.gen(function* () {
  const db = yield* Database.Database
  const codec = yield* Codec.Codec
  yield* migrate()
  const format = codecPayload(codec, (id) => Dictionaries.fetch(db, codec, id))
  const buildDictionary = Dictionaries.build(db, codec, format)
  const afterEpisodeWrites = yield* Dictionaries.autoBuild(db, codec, buildDictionary)

  const episodeStore = makeDocumentStore(db, format, {
    entity: "episode",
    kind: "episodes",
    sql: episodes,
    json: EpisodeJson,
    idOf: (e) => e.episode_id,
    write: (e, stored, now) => upsertEpisode(e, stored.payload, stored.payloadBytes, now)
  })
  const patternStore = makeDocumentStore(db, format, {
    entity: "pattern",
    kind: "patterns",
    sql: patterns,
    json: PatternJson,
    idOf: (p) => p.pattern_id,
    write: (p, stored, now) => [
      upsert(patterns, { id: p.pattern_id, values: [p.type, p.success_rate, p.occurrence_count], ...stored }, now)
    ]
  })
  const heuristicStore = makeDocumentStore(db, format, {
    entity: "heuristic",
    kind: "patterns",
    sql: heuristics,
    json: HeuristicJson,
    idOf: (h) => h.heuristic_id,
    write: (h, stored, now) => [upsert(heuristics, { id: h.heuristic_id, values: [h.confidence], ...stored }, now)]
  })

  const cursorOf = (cursor: string | undefined) =>
    cursor === undefined ? Effect.succeed(undefined) : decodeCursor(cursor)

  return Storage.of({
    upsertEpisode: Effect.fn("Storage.upsertEpisode")(function* (episode: Episode) {
      yield* episodeStore.upsertMany([episode])
      yield* afterEpisodeWrites(1)
      return episode
    }),
    upsertEpisodes: Effect.fn("Storage.upsertEpisodes")(function* (list: ReadonlyArray<Episode>) {
      const stored = yield* episodeStore.upsertMany(list)
      yield* afterEpisodeWrites(list.length)
      return stored
    }),
    getEpisode: Effect.fn("Storage.getEpisode")(episodeStore.get),
    getEpisodes: Effect.fn("Storage.getEpisodes")(episodeStore.getMany),
    deleteEpisode: Effect.fn("Storage.deleteEpisode")(episodeStore.remove),
    queryEpisodes: Effect.fn("Storage.queryEpisodes")(function* (query: EpisodeQuery) {
      const after = yield* cursorOf(query.cursor)
      return yield* episodeStore.page(queryEpisodes(query, after), query.limit)
    }),

    upsertPattern: Effect.fn("Storage.upsertPattern")(function* (pattern: Pattern) {
      yield* patternStore.upsertMany([pattern])
      return pattern
    }),
    upsertPatterns: Effect.fn("Storage.upsertPatterns")(patternStore.upsertMany),
    getPattern: Effect.fn("Storage.getPattern")(patternStore.get),
    getPatterns: Effect.fn("Storage.getPatterns")(patternStore.getMany),
    deletePattern: Effect.fn("Storage.deletePattern")(patternStore.remove),
    listPatterns: Effect.fn("Storage.listPatterns")(function* (query: PatternQuery) {
      const after = yield* cursorOf(query.cursor)
      const filters = query.type === undefined ? [] : ([["pattern_type", query.type]] as const)
      return yield* patternStore.page(list(patterns, filters, after, query.limit), query.limit)
    }),

    upsertHeuristic: Effect.fn("Storage.upsertHeuristic")(function* (heuristic: Heuristic) {
      yield* heuristicStore.upsertMany([heuristic])
      return heuristic
    }),
    upsertHeuristics: Effect.fn("Storage.upsertHeuristics")(heuristicStore.upsertMany),
    getHeuristic: Effect.fn("Storage.getHeuristic")(heuristicStore.get),
    deleteHeuristic: Effect.fn("Storage.deleteHeuristic")(heuristicStore.remove),
    listHeuristics: Effect.fn("Storage.listHeuristics")(function* (query: HeuristicQuery) {
      const after = yield* cursorOf(query.cursor)
      return yield* heuristicStore.page(list(heuristics, [], after, query.limit), query.limit)
    }),

    upsertEmbedding: Effect.fn("Storage.upsertEmbedding")(function* (embedding: Embedding) {
      const now = yield* Clock.currentTimeMillis
      const result = yield* db.execute(EmbeddingSql.upsertEmbedding(embedding, now))
      if (result.rowsAffected === 0) {
        return yield* Effect.fail(new NotFound({ entity: embedding.item_type, id: embedding.item_id }))
      }
      return embedding
    }),
    getEmbedding: Effect.fn("Storage.getEmbedding")(function* (itemType: ItemType, itemId: string) {
      const result = yield* db.execute(EmbeddingSql.selectEmbedding(itemType, itemId))
      const row = result.rows[0]
      if (row === undefined)
        return yield* Effect.fail(new NotFound({ entity: "embedding", id: `${itemType}/${itemId}` }))
      return EmbeddingSql.embeddingOf(row)
    }),
    deleteEmbedding: Effect.fn("Storage.deleteEmbedding")(function* (itemType: ItemType, itemId: string) {
      const result = yield* db.execute(EmbeddingSql.deleteEmbedding(itemType, itemId))
      if (result.rowsAffected === 0) {
        return yield* Effect.fail(new NotFound({ entity: "embedding", id: `${itemType}/${itemId}` }))
      }
    }),
    searchEmbeddings: Effect.fn("Storage.searchEmbeddings")(function* (query: SimilarityQuery) {
      const result = yield* db.execute(EmbeddingSql.searchEmbeddings(query))
      return result.rows.map(EmbeddingSql.matchOf)
    }),

    counts: Effect.gen(function* () {
      const result = yield* db.execute({ sql: COUNTS, args: [] })
      const row = result.rows[0]!
      return {
        episodes: Number(row["episodes"]),
        patterns: Number(row["patterns"]),
        heuristics: Number(row["heuristics"]),
        embeddings: Number(row["embeddings"])
      } satisfies Counts
    }).pipe(Effect.withSpan("Storage.counts")),

    ping: db.execute({ sql: "SELECT 1", args: [] }).pipe(Effect.asVoid, Effect.withSpan("Storage.ping")),

    buildDictionary: buildDictionary.pipe(Effect.withSpan("Storage.buildDictionary"))
  })
})

type Failure = DatabaseFailure
type ReadFailure = Failure | CorruptPayload
type ListFailure = ReadFailure | InvalidCursor

/** The agent-memory store: episodes, patterns, heuristics and embeddings. */
export class Storage extends Context.Tag("@memory-turso/storage-core/Storage")<
  Storage,
  {
    readonly upsertEpisode: (episode: Episode) => Effect.Effect<Episode, Failure>
    /** Stores many episodes in one batch: one round trip, all or nothing. */
    readonly upsertEpisodes: (episodes: ReadonlyArray<Episode>) => Effect.Effect<ReadonlyArray<Episode>, Failure>
    readonly getEpisode: (id: string) => Effect.Effect<Episode, NotFound | ReadFailure>
    /** Reads many episodes in one batch call. */
    readonly getEpisodes: (ids: ReadonlyArray<string>) => Effect.Effect<BatchGet<Episode>, ReadFailure>
    readonly deleteEpisode: (id: string) => Effect.Effect<void, NotFound | Failure>
    readonly queryEpisodes: (query: EpisodeQuery) => Effect.Effect<Page<Episode>, ListFailure>
    readonly upsertPattern: (pattern: Pattern) => Effect.Effect<Pattern, Failure>
    readonly upsertPatterns: (patterns: ReadonlyArray<Pattern>) => Effect.Effect<ReadonlyArray<Pattern>, Failure>
    readonly getPattern: (id: string) => Effect.Effect<Pattern, NotFound | ReadFailure>
    readonly getPatterns: (ids: ReadonlyArray<string>) => Effect.Effect<BatchGet<Pattern>, ReadFailure>
    readonly deletePattern: (id: string) => Effect.Effect<void, NotFound | Failure>
    readonly listPatterns: (query: PatternQuery) => Effect.Effect<Page<Pattern>, ListFailure>
    readonly upsertHeuristic: (heuristic: Heuristic) => Effect.Effect<Heuristic, Failure>
    readonly upsertHeuristics: (
      heuristics: ReadonlyArray<Heuristic>
    ) => Effect.Effect<ReadonlyArray<Heuristic>, Failure>
    readonly getHeuristic: (id: string) => Effect.Effect<Heuristic, NotFound | ReadFailure>
    readonly deleteHeuristic: (id: string) => Effect.Effect<void, NotFound | Failure>
    readonly listHeuristics: (query: HeuristicQuery) => Effect.Effect<Page<Heuristic>, ListFailure>
    /** Stores an item's embedding; fails with `NotFound` when the item does not exist. */
    readonly upsertEmbedding: (embedding: Embedding) => Effect.Effect<Embedding, NotFound | Failure>
    readonly getEmbedding: (itemType: ItemType, itemId: string) => Effect.Effect<Embedding, NotFound | Failure>
    readonly deleteEmbedding: (itemType: ItemType, itemId: string) => Effect.Effect<void, NotFound | Failure>
    readonly searchEmbeddings: (query: SimilarityQuery) => Effect.Effect<ReadonlyArray<SimilarityMatch>, Failure>
    readonly counts: Effect.Effect<Counts, Failure>
    /** One real round trip to the database. */
    readonly ping: Effect.Effect<void, Failure>
    /**
     * Builds a compression dictionary from the most recent episodes, stores it beside the data and makes this
     * process's new writes use it (other processes read its rows by fetching it). Needs `use_dictionary`.
     */
    readonly buildDictionary: Effect.Effect<DictionaryInfo, DictionaryUnavailable | ReadFailure>
  }
>() {}

/** The storage layer; needs a `Database` and a `Codec`. */
export const layer = Layer.effect(Storage, make)

/** Storage over a fresh temporary embedded database with the default codec (zstd above 1 KiB). */
export const layerTest: Layer.Layer<
  Storage,
  DatabaseFailure | InvalidDatabaseUrl | MissingAuthToken | CodecError.InvalidConfig
> = layer.pipe(Layer.provide(Layer.merge(Database.layerTest, Codec.layer())))
