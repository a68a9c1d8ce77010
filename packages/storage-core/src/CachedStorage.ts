import { createHash } from "node:crypto"
import { AdaptiveCache, type CacheOptions } from "@memory-turso/cache"
import type { Episode, Namespace, Pattern } from "@memory-turso/model"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { CanonicalJson } from "./CanonicalJson.js"
import { ByteBudget } from "./internal/budget.js"
import { decodeSlices, yieldToEventLoop } from "./internal/eventLoop.js"
import * as Storage from "./Storage.js"

/** Options of one of the caches: those of `AdaptiveCache.make`, less `weigh` (documents are weighed here). */
export type CacheInstanceOptions = Omit<CacheOptions.Options<unknown>, "weigh">

/** Options of the three caches: episodes and patterns by id, and query results. */
export interface Options {
  readonly episodes: CacheInstanceOptions
  readonly patterns: CacheInstanceOptions
  readonly queries: CacheInstanceOptions
}

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
    readonly peekEpisode: (namespace: Namespace, id: string) => Episode | undefined
    /** The cached pattern, if any, read synchronously. */
    readonly peekPattern: (namespace: Namespace, id: string) => Pattern | undefined
  }
>() {}

/**
 * Approximate memory of a cached document, in bytes: about five times its JSON length (the decoded object ~3x,
 * the JSON text 1x, its UTF-8 bytes once served 1x), as measured by `bench/cache-memory.ts`.
 */
const MEMORY_PER_JSON_BYTE = 5
const weighEpisode = (episode: Episode) => MEMORY_PER_JSON_BYTE * Storage.EpisodeJson.stringify(episode).length
const weighPattern = (pattern: Pattern) => MEMORY_PER_JSON_BYTE * Storage.PatternJson.stringify(pattern).length

/** A cached query result and its weight, measured once when it is loaded. */
interface Weighed {
  readonly value: unknown
  readonly weight: number
}

/**
 * The JSON length of a page of documents, from each document's JSON text (remembered when it was read: nothing is
 * serialised again, however large the page).
 */
const pageJsonLength =
  <A>(json: CanonicalJson<A>) =>
  (page: Storage.Page<A>) =>
    page.items.reduce((sum, item) => sum + json.stringify(item).length + 1, 32 + (page.next_cursor?.length ?? 0))

/**
 * Heavier values are served but not cached (about 800 KB of JSON), so no single episode or page of query results
 * can take the room of hundreds of ordinary ones: each cache holds at most its `max_*` entries of at most this.
 */
const MAX_ENTRY_WEIGHT = 4 * 1024 * 1024

/**
 * The cache key of a record: its namespace and id. Neither can hold "/", so no two records share a key and a record
 * of one namespace is never served to another.
 */
const recordKey = (namespace: Namespace, id: string) => `${namespace}/${id}`

/** Query-cache key prefixes, per namespace ("?" is in no namespace); a write clears the prefixes it can change. */
type QueryKind = "episodes" | "patterns" | "heuristics" | "search"
const queryPrefix = (kind: QueryKind, namespace: Namespace) => `${kind}?${namespace}?`

/**
 * The longest query text kept as it is in a cache key; a longer one (a similarity search's vector is up to ~1 MB of
 * JSON) is kept as its SHA-256, so a key weighs about the same whatever the query holds.
 */
const MAX_PLAIN_QUERY_KEY = 256

/** The cache key of a query: its kind and namespace, then its JSON (an object: "{...}") or "#" and its digest. */
const queryKey = (kind: QueryKind, namespace: Namespace, query: unknown) => {
  const text = JSON.stringify(query)
  const body = text.length <= MAX_PLAIN_QUERY_KEY ? text : `#${createHash("sha256").update(text).digest("base64url")}`
  return queryPrefix(kind, namespace) + body
}

/**
 * Decorates `Storage` with three adaptive-TTL caches: episodes and patterns by namespace and id, and query results
 * (episode queries, pattern and heuristic listings, similarity searches) by namespace and query. Callers do not
 * change.
 *
 * Never stale for this process's own writes: every write attempt, before it returns, drops the entries it wrote or
 * deleted and every cached query result of its namespace it could change, whatever its outcome (a write whose
 * reply was lost may have committed); loads that were in flight meanwhile return to their callers but do not fill
 * the cache, so the next read loads what was committed last. Failures are never cached.
 * Other processes' writes are seen when entries expire.
 */
export const make = (options: Options) =>
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
    const queries = yield* AdaptiveCache.make<string, Weighed>({
      ...options.queries,
      ...bounded,
      weigh: (entry) => entry.weight
    })

    const clearQueries = (namespace: Namespace, ...kinds: ReadonlyArray<QueryKind>) => {
      const prefixes = kinds.map((kind) => queryPrefix(kind, namespace))
      return queries.invalidateWhere((key) => prefixes.some((prefix) => key.startsWith(prefix)))
    }
    const cachedQuery =
      <Q, A, E>(
        kind: QueryKind,
        run: (namespace: Namespace, query: Q) => Effect.Effect<A, E>,
        jsonLength: (result: A) => number
      ) =>
      (namespace: Namespace, query: Q) =>
        Effect.map(
          queries.get(
            queryKey(kind, namespace, query),
            Effect.suspend(() =>
              Effect.map(run(namespace, query), (value) => ({
                value,
                weight: MEMORY_PER_JSON_BYTE * jsonLength(value)
              }))
            )
          ),
          (entry) => entry.value as A
        )
    const cachedRecord =
      <A, E>(
        cache: AdaptiveCache.AdaptiveCache<string, A>,
        load: (namespace: Namespace, id: string) => Effect.Effect<A, E>
      ) =>
      (namespace: Namespace, id: string) =>
        cache.get(
          recordKey(namespace, id),
          Effect.suspend(() => load(namespace, id))
        )

    // Counts committed writes, so a batch read that overlapped one does not cache what it read.
    let writes = 0
    const wrote = Effect.sync(() => void writes++)

    /**
     * Reads many by id: hits from the cache, the rest in one batch call, cached unless a write overlapped. The hits
     * count against the response byte budget in the order asked, and the loads have their own (so a batch holds at
     * most about twice the budget); what does not fit is `unread`.
     */
    const getMany =
      <A, E>(
        cache: AdaptiveCache.AdaptiveCache<string, A>,
        loadMany: (namespace: Namespace, ids: ReadonlyArray<string>) => Effect.Effect<Storage.BatchGet<A>, E>,
        idOf: (a: A) => string,
        json: CanonicalJson<A>
      ) =>
      (namespace: Namespace, ids: ReadonlyArray<string>) =>
        Effect.gen(function* () {
          const known = new Map<string, A>()
          const unread = new Set<string>()
          const spent = new ByteBudget(inner.maxResponseBytes)
          const toLoad: Array<string> = []
          for (const id of new Set(ids)) {
            if (unread.size > 0) {
              unread.add(id)
              continue
            }
            const hit = yield* cache.getIfPresent(recordKey(namespace, id))
            if (hit._tag === "None") toLoad.push(id)
            else if (spent.admit(Buffer.byteLength(json.stringify(hit.value)))) known.set(id, hit.value)
            else unread.add(id)
          }
          if (toLoad.length > 0) {
            const before = writes
            const loaded = yield* loadMany(namespace, toLoad)
            const slices = decodeSlices()
            for (const document of loaded.found) {
              known.set(idOf(document), document)
              if (writes === before) yield* cache.set(recordKey(namespace, idOf(document)), document)
              if (slices.done(0)) yield* yieldToEventLoop
            }
            for (const id of loaded.unread) unread.add(id)
          }
          const found: Array<A> = []
          const missing: Array<string> = []
          const unreadInOrder: Array<string> = []
          for (const id of ids) {
            const document = known.get(id)
            if (document !== undefined) found.push(document)
            else if (unread.has(id)) unreadInOrder.push(id)
            else missing.push(id)
          }
          return { found, missing, unread: unreadInOrder } satisfies Storage.BatchGet<A>
        })

    /**
     * What a write attempt does to the caches, whatever its outcome (committed, refused, or unknown when the
     * database stopped answering): drop its entries and the query results of its namespace it can change.
     * Dropping, not storing the written value: two writers of one key may finish in either order, and the later
     * commit must win.
     */
    const writesTo = <A>(cache: AdaptiveCache.AdaptiveCache<string, A>, kind: QueryKind) => ({
      stored: (namespace: Namespace, ids: ReadonlyArray<string>) =>
        Effect.gen(function* () {
          yield* wrote
          for (const id of ids) yield* cache.invalidate(recordKey(namespace, id))
          yield* clearQueries(namespace, kind)
        }),
      // A deleted item's embedding goes with it, so searches change too.
      deleted: (namespace: Namespace, id: string) =>
        Effect.gen(function* () {
          yield* wrote
          yield* cache.invalidate(recordKey(namespace, id))
          yield* clearQueries(namespace, kind, "search")
        })
    })
    const episodeWrites = writesTo(episodes, "episodes")
    const patternWrites = writesTo(patterns, "patterns")
    const episodeIds = (list: ReadonlyArray<Episode>) => list.map((e) => e.episode_id)
    const patternIds = (list: ReadonlyArray<Pattern>) => list.map((p) => p.pattern_id)

    const storage = Storage.Storage.of({
      ...inner,
      // Hot reads are untraced: a span per cache hit would cost more than the hit itself.
      getEpisode: cachedRecord(episodes, inner.getEpisode),
      getPattern: cachedRecord(patterns, inner.getPattern),
      getEpisodes: getMany(episodes, inner.getEpisodes, (e) => e.episode_id, Storage.EpisodeJson),
      getPatterns: getMany(patterns, inner.getPatterns, (p) => p.pattern_id, Storage.PatternJson),
      queryEpisodes: cachedQuery("episodes", inner.queryEpisodes, pageJsonLength(Storage.EpisodeJson)),
      listPatterns: cachedQuery("patterns", inner.listPatterns, pageJsonLength(Storage.PatternJson)),
      listHeuristics: cachedQuery("heuristics", inner.listHeuristics, pageJsonLength(Storage.HeuristicJson)),
      searchEmbeddings: cachedQuery("search", inner.searchEmbeddings, (page) => JSON.stringify(page).length),

      upsertEpisode: (ns, episode, options) =>
        inner
          .upsertEpisode(ns, episode, options)
          .pipe(Effect.ensuring(episodeWrites.stored(ns, episodeIds([episode])))),
      upsertEpisodes: (ns, list, options) =>
        inner.upsertEpisodes(ns, list, options).pipe(Effect.ensuring(episodeWrites.stored(ns, episodeIds(list)))),
      deleteEpisode: (ns, id, options) =>
        inner.deleteEpisode(ns, id, options).pipe(Effect.ensuring(episodeWrites.deleted(ns, id))),
      upsertPattern: (ns, pattern, options) =>
        inner
          .upsertPattern(ns, pattern, options)
          .pipe(Effect.ensuring(patternWrites.stored(ns, patternIds([pattern])))),
      upsertPatterns: (ns, list, options) =>
        inner.upsertPatterns(ns, list, options).pipe(Effect.ensuring(patternWrites.stored(ns, patternIds(list)))),
      deletePattern: (ns, id, options) =>
        inner.deletePattern(ns, id, options).pipe(Effect.ensuring(patternWrites.deleted(ns, id))),
      upsertHeuristic: (ns, heuristic, options) =>
        inner.upsertHeuristic(ns, heuristic, options).pipe(Effect.ensuring(clearQueries(ns, "heuristics"))),
      upsertHeuristics: (ns, list, options) =>
        inner.upsertHeuristics(ns, list, options).pipe(Effect.ensuring(clearQueries(ns, "heuristics"))),
      deleteHeuristic: (ns, id, options) =>
        inner.deleteHeuristic(ns, id, options).pipe(Effect.ensuring(clearQueries(ns, "heuristics"))),
      upsertEmbedding: (ns, embedding, options) =>
        inner.upsertEmbedding(ns, embedding, options).pipe(Effect.ensuring(clearQueries(ns, "search"))),
      deleteEmbedding: (ns, itemType, itemId, options) =>
        inner.deleteEmbedding(ns, itemType, itemId, options).pipe(Effect.ensuring(clearQueries(ns, "search")))
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
        peekEpisode: (namespace, id) => episodes.unsafeGetIfPresent(recordKey(namespace, id)),
        peekPattern: (namespace, id) => patterns.unsafeGetIfPresent(recordKey(namespace, id))
      })
    }
  })

/** Storage decorated with the caches (needs the undecorated `Storage`), and the caches' statistics. */
export const layer = (options: Options) =>
  Layer.scopedContext(
    Effect.map(make(options), ({ cache, storage }) =>
      Context.make(Storage.Storage, storage).pipe(Context.add(StorageCache, cache))
    )
  )
