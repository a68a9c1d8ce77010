import { AdaptiveCache, type CacheConfig } from "@memory-turso/cache"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { Episode } from "./model/Episode.js"
import type { Pattern } from "./model/Pattern.js"
import * as Storage from "./Storage.js"

/** Statistics of one cache. */
export type CacheStats = AdaptiveCache.Stats

/** Statistics of the three storage caches. */
export interface StorageCacheStats {
  readonly episodes: CacheStats
  readonly patterns: CacheStats
  readonly queries: CacheStats
}

/** The caches behind `CachedStorage`: their statistics, and synchronous reads for hot paths. */
export class StorageCache extends Context.Tag("@memory-turso/storage-core/StorageCache")<
  StorageCache,
  {
    readonly stats: () => StorageCacheStats
    /** The cached episode, if any, read synchronously (a hit is counted; on a miss the caller falls back to Storage). */
    readonly peekEpisode: (id: string) => Episode | undefined
    /** The cached pattern, if any, read synchronously. */
    readonly peekPattern: (id: string) => Pattern | undefined
  }
>() {}

/**
 * Approximate memory of a cached document, in bytes: about five times its JSON length (the decoded object ~3x,
 * the JSON text 1x, its UTF-8 bytes once served 1x), as measured by `bench/cache-memory.ts`.
 */
const MEMORY_PER_JSON_BYTE = 5
const weighEpisode = (episode: Episode) => MEMORY_PER_JSON_BYTE * Storage.EpisodeJson.stringify(episode).length
const weighPattern = (pattern: Pattern) => MEMORY_PER_JSON_BYTE * Storage.PatternJson.stringify(pattern).length
const weighQuery = (result: unknown) => MEMORY_PER_JSON_BYTE * (JSON.stringify(result)?.length ?? 0)

/**
 * Heavier values are served but not cached (about 800 KB of JSON), so no single episode or page of query results
 * can take the room of hundreds of ordinary ones: each cache holds at most its `max_*` entries of at most this.
 */
const MAX_ENTRY_WEIGHT = 4 * 1024 * 1024

/** Query-cache key prefixes; a write clears the prefixes it can change. */
const EPISODE_QUERIES = "episodes?"
const PATTERN_QUERIES = "patterns?"
const HEURISTIC_QUERIES = "heuristics?"
const SEARCHES = "search?"

/**
 * Decorates `Storage` with three adaptive-TTL caches: episodes and patterns by id, and query results (episode
 * queries, pattern and heuristic listings, similarity searches). Callers do not change.
 *
 * Never stale for this process's own writes: every write, after it commits and before it returns, drops the
 * entries it wrote or deleted and every cached query result it could change; loads that were in flight meanwhile
 * return to their callers but do not fill the cache, so the next read loads what was committed last. Failures are
 * never cached.
 * Other processes' writes are seen when entries expire.
 */
export const make = (options: Omit<CacheConfig.InstanceOptions, "enabled">) =>
  Effect.gen(function* () {
    const inner = yield* Storage.Storage
    const bounded = { maxEntryWeight: MAX_ENTRY_WEIGHT }
    const episodes = yield* AdaptiveCache.make<string, Episode>({
      ...options.episodes,
      ...bounded,
      weigh: weighEpisode
    })
    const patterns = yield* AdaptiveCache.make<string, Pattern>({
      ...options.patterns,
      ...bounded,
      weigh: weighPattern
    })
    const queries = yield* AdaptiveCache.make<string, unknown>({ ...options.queries, ...bounded, weigh: weighQuery })

    const clearQueries = (...prefixes: ReadonlyArray<string>) =>
      queries.invalidateWhere((key) => prefixes.some((prefix) => key.startsWith(prefix)))
    const cachedQuery = <A, E>(prefix: string, query: unknown, load: Effect.Effect<A, E>) =>
      queries.get(prefix + JSON.stringify(query), load) as Effect.Effect<A, E>

    // Counts committed writes, so a batch read that overlapped one does not cache what it read.
    let writes = 0
    const wrote = Effect.sync(() => void writes++)

    /** Reads many by id: hits from the cache, the rest in one batch call, cached unless a write overlapped. */
    const getMany =
      <A, E>(
        cache: AdaptiveCache.AdaptiveCache<string, A>,
        loadMany: (ids: ReadonlyArray<string>) => Effect.Effect<Storage.BatchGet<A>, E>,
        idOf: (a: A) => string
      ) =>
      (ids: ReadonlyArray<string>) =>
        Effect.gen(function* () {
          const known = new Map<string, A>()
          for (const id of ids) {
            const hit = yield* cache.getIfPresent(id)
            if (hit._tag === "Some") known.set(id, hit.value)
          }
          const toLoad = ids.filter((id) => !known.has(id))
          if (toLoad.length > 0) {
            const before = writes
            const loaded = yield* loadMany(toLoad)
            for (const document of loaded.found) {
              known.set(idOf(document), document)
              if (writes === before) yield* cache.set(idOf(document), document)
            }
          }
          const found: Array<A> = []
          const missing: Array<string> = []
          for (const id of ids) {
            const document = known.get(id)
            if (document === undefined) missing.push(id)
            else found.push(document)
          }
          return { found, missing } satisfies Storage.BatchGet<A>
        })

    /**
     * What a committed write does to the caches: drop its entries and the query results it changes. Dropping, not
     * storing the written value: two writers of one key may finish in either order, and the later commit must win.
     */
    const writesTo = <A>(cache: AdaptiveCache.AdaptiveCache<string, A>, idOf: (a: A) => string, queriesOf: string) => ({
      stored: (list: ReadonlyArray<A>) =>
        Effect.gen(function* () {
          yield* wrote
          for (const document of list) yield* cache.invalidate(idOf(document))
          yield* clearQueries(queriesOf)
        }),
      // A deleted item's embedding goes with it, so searches change too.
      deleted: (id: string) =>
        Effect.gen(function* () {
          yield* wrote
          yield* cache.invalidate(id)
          yield* clearQueries(queriesOf, SEARCHES)
        })
    })
    const episodeWrites = writesTo(episodes, (e) => e.episode_id, EPISODE_QUERIES)
    const patternWrites = writesTo(patterns, (p) => p.pattern_id, PATTERN_QUERIES)

    const storage = Storage.Storage.of({
      ...inner,
      // Hot reads are untraced: a span per cache hit would cost more than the hit itself.
      getEpisode: (id) =>
        episodes.get(
          id,
          Effect.suspend(() => inner.getEpisode(id))
        ),
      getPattern: (id) =>
        patterns.get(
          id,
          Effect.suspend(() => inner.getPattern(id))
        ),
      getEpisodes: getMany(episodes, inner.getEpisodes, (e) => e.episode_id),
      getPatterns: getMany(patterns, inner.getPatterns, (p) => p.pattern_id),
      queryEpisodes: (query) =>
        cachedQuery(
          EPISODE_QUERIES,
          query,
          Effect.suspend(() => inner.queryEpisodes(query))
        ),
      listPatterns: (query) =>
        cachedQuery(
          PATTERN_QUERIES,
          query,
          Effect.suspend(() => inner.listPatterns(query))
        ),
      listHeuristics: (query) =>
        cachedQuery(
          HEURISTIC_QUERIES,
          query,
          Effect.suspend(() => inner.listHeuristics(query))
        ),
      searchEmbeddings: (query) =>
        cachedQuery(
          SEARCHES,
          query,
          Effect.suspend(() => inner.searchEmbeddings(query))
        ),

      upsertEpisode: (episode) => Effect.tap(inner.upsertEpisode(episode), (stored) => episodeWrites.stored([stored])),
      upsertEpisodes: (list) => Effect.tap(inner.upsertEpisodes(list), episodeWrites.stored),
      deleteEpisode: (id) => inner.deleteEpisode(id).pipe(Effect.ensuring(episodeWrites.deleted(id))),
      upsertPattern: (pattern) => Effect.tap(inner.upsertPattern(pattern), (stored) => patternWrites.stored([stored])),
      upsertPatterns: (list) => Effect.tap(inner.upsertPatterns(list), patternWrites.stored),
      deletePattern: (id) => inner.deletePattern(id).pipe(Effect.ensuring(patternWrites.deleted(id))),
      upsertHeuristic: (heuristic) =>
        Effect.tap(inner.upsertHeuristic(heuristic), () => clearQueries(HEURISTIC_QUERIES)),
      upsertHeuristics: (list) => Effect.tap(inner.upsertHeuristics(list), () => clearQueries(HEURISTIC_QUERIES)),
      deleteHeuristic: (id) => inner.deleteHeuristic(id).pipe(Effect.ensuring(clearQueries(HEURISTIC_QUERIES))),
      upsertEmbedding: (embedding) => Effect.tap(inner.upsertEmbedding(embedding), () => clearQueries(SEARCHES)),
      deleteEmbedding: (itemType, itemId) =>
        inner.deleteEmbedding(itemType, itemId).pipe(Effect.ensuring(clearQueries(SEARCHES)))
    })
    const stats = () => ({
      episodes: episodes.unsafeStats(),
      patterns: patterns.unsafeStats(),
      queries: queries.unsafeStats()
    })
    return {
      storage,
      cache: StorageCache.of({
        stats,
        peekEpisode: episodes.unsafeGetIfPresent,
        peekPattern: patterns.unsafeGetIfPresent
      })
    }
  })

/** Storage decorated with the caches (needs the undecorated `Storage`), and the caches' statistics. */
export const layer = (options: Omit<CacheConfig.InstanceOptions, "enabled">) =>
  Layer.scopedContext(
    Effect.map(make(options), ({ cache, storage }) =>
      Context.make(Storage.Storage, storage).pipe(Context.add(StorageCache, cache))
    )
  )
