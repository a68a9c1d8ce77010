import { createHash } from "node:crypto"
import { AdaptiveCache, type CacheOptions } from "@memory-turso/cache"
import type { Episode, Namespace, Pattern } from "@memory-turso/model"
import { Database, type DatabaseFailure } from "@memory-turso/pool"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type { CanonicalJson } from "./CanonicalJson.js"
import type { CoherenceOptions, CoherenceStats } from "./Coherence.js"
import type { FeedEntry } from "./internal/changeFeedSql.js"
import { makeFollower } from "./internal/feedFollower.js"
import { type CachedRecord, makeRecordCache } from "./internal/recordCache.js"
import * as Storage from "./Storage.js"

/** Options of one of the caches: those of `AdaptiveCache.make`, less `weigh` and `supersedes` (set here). */
export type CacheInstanceOptions = Omit<CacheOptions.Options<unknown>, "weigh" | "supersedes">

export type { Boarding, Carrier, CoherenceOptions, CoherenceStats } from "./Coherence.js"
export { notFollowing } from "./Coherence.js"
export type { CachedRecord } from "./internal/recordCache.js"

/** Options of the three caches: episodes and patterns by id, and query results; coherence across processes. */
export interface Options {
  readonly episodes: CacheInstanceOptions
  readonly patterns: CacheInstanceOptions
  readonly queries: CacheInstanceOptions
  /** Follow the change feed (needs `Database` in context); without it other processes' writes wait for expiry. */
  readonly coherence?: CoherenceOptions | undefined
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
    /**
     * The cached episode's canonical JSON bytes and version, if any, read synchronously (a hit is counted; on a
     * miss the caller falls back to Storage). The bytes are shared: never modify them.
     */
    readonly peekEpisode: (namespace: Namespace, id: string) => CachedRecord | undefined
    /** The cached pattern's bytes and version, if any, read synchronously. */
    readonly peekPattern: (namespace: Namespace, id: string) => CachedRecord | undefined
    /** The change-feed follower's figures; undefined when the caches do not follow the feed. */
    readonly coherence: () => CoherenceStats | undefined
    /** Reads and applies the change feed now (what the follower does every interval); how many entries. */
    readonly followFeed: Effect.Effect<number, DatabaseFailure>
  }
>() {}

/**
 * Approximate memory of a cached query result per byte of its JSON: about five times (the decoded objects ~3x,
 * their JSON text 1x, bytes once served 1x). Records are weighed by their bytes (see `RECORD_ENTRY_OVERHEAD`).
 */
const QUERY_MEMORY_PER_JSON_BYTE = 5

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
 * Heavier values are served but not cached, so no single record or page of query results can take the room of
 * hundreds of ordinary ones: a record of about 1 MB of JSON (records are held as their bytes), a page of about
 * 800 KB (held decoded, 5x). Each cache holds at most its `max_*` entries of at most this.
 */
const MAX_RECORD_WEIGHT = 1024 * 1024
const MAX_QUERY_WEIGHT = 4 * 1024 * 1024

/** Query-cache key prefixes, per namespace ("?" is in no namespace); a write clears the prefixes it can change. */
type QueryKind = "episodes" | "patterns" | "heuristics" | "search"
const queryPrefix = (kind: QueryKind, namespace: Namespace) => `${kind}?${namespace}?`

/** The query results a change of the feed can alter: a deleted item's embedding goes with it. */
const queriesChangedBy = (entry: FeedEntry): ReadonlyArray<QueryKind> => {
  switch (entry.kind) {
    case "episode":
      return entry.version === null ? ["episodes", "search"] : ["episodes"]
    case "pattern":
      return entry.version === null ? ["patterns", "search"] : ["patterns"]
    case "heuristic":
      return ["heuristics"]
    case "embedding":
      return ["search"]
  }
}

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
 * Decorates `Storage` with three adaptive-TTL caches: episodes and patterns by namespace and id (each held as its
 * canonical JSON bytes and version only), and query results (episode queries, pattern and heuristic listings,
 * similarity searches) by namespace and query. Callers do not change.
 *
 * Never stale for this process's own writes. A record just written is served from the cache (write-through after
 * commit): of two writes of one key finishing in either order, the newer version stays; a delete, or a write that
 * failed or whose outcome is unknown (its reply was lost), drops the entry instead, and so does any write of the
 * same key that overlapped it (see `internal/writeOrder.ts`). Loads in flight meanwhile return to their callers but
 * do not fill the cache. Every write attempt clears the cached query results of its namespace it could change.
 * Failures are never cached. Other processes' writes are seen when entries expire, or, with `coherence`, when the
 * change feed names them (within the interval); while the feed cannot be read for `maxStalenessMs`, reads bypass
 * the caches.
 */
export const make = (options: Options) =>
  Effect.gen(function* () {
    const inner = yield* Storage.Storage
    const bounded = { maxEntryWeight: MAX_RECORD_WEIGHT }
    const episodes = yield* makeRecordCache(
      { ...options.episodes, ...bounded },
      { json: Storage.EpisodeJson, idOf: (e: Episode) => e.episode_id, versionOf: (e) => e.version }
    )
    const patterns = yield* makeRecordCache(
      { ...options.patterns, ...bounded },
      { json: Storage.PatternJson, idOf: (p: Pattern) => p.pattern_id, versionOf: (p) => p.version }
    )
    const queries = yield* AdaptiveCache.make<string, Weighed>({
      ...options.queries,
      maxEntryWeight: MAX_QUERY_WEIGHT,
      weigh: (entry) => entry.weight
    })

    const clearQueries = (namespace: Namespace, ...kinds: ReadonlyArray<QueryKind>) => {
      const prefixes = kinds.map((kind) => queryPrefix(kind, namespace))
      return queries.invalidateWhere((key) => prefixes.some((prefix) => key.startsWith(prefix)))
    }

    /** Drops what feed entries name: records unless held at that version or newer, query results by kind. */
    const apply = (entries: ReadonlyArray<FeedEntry>) =>
      Effect.gen(function* () {
        let dropped = 0
        const prefixes = new Set<string>()
        for (const entry of entries) {
          const records = entry.kind === "episode" ? episodes : entry.kind === "pattern" ? patterns : undefined
          if (records !== undefined && (yield* records.changed(entry.namespace, entry.id, entry.version))) dropped++
          for (const kind of queriesChangedBy(entry)) prefixes.add(queryPrefix(kind, entry.namespace))
        }
        if (prefixes.size > 0) {
          dropped += yield* queries.invalidateWhere((key) => {
            for (const prefix of prefixes) if (key.startsWith(prefix)) return true
            return false
          })
        }
        return dropped
      })
    const clear = Effect.all([episodes.clear, patterns.clear, queries.clear()], { discard: true })
    const coherence = options.coherence
    const follower =
      coherence === undefined
        ? undefined
        : yield* Effect.serviceOption(Database.Database).pipe(
            Effect.flatMap(
              Option.match({
                onNone: () => Effect.dieMessage("CachedStorage: coherence needs Database"),
                onSome: (db) => makeFollower(db, coherence, { apply, clear })
              })
            )
          )
    /** Whether a read may be served from the caches (counts a bypass when not). */
    const served = follower === undefined ? () => true : follower.fresh
    /** A synchronous peek that answers nothing while the caches are stale (the caller's fallback read counts it). */
    const peekWhileFresh = (peek: (ns: Namespace, id: string) => CachedRecord | undefined) =>
      follower === undefined ? peek : (ns: Namespace, id: string) => (follower.isFresh() ? peek(ns, id) : undefined)

    const cachedQuery =
      <Q, A, E>(
        kind: QueryKind,
        run: (namespace: Namespace, query: Q) => Effect.Effect<A, E>,
        jsonLength: (result: A) => number
      ) =>
      (namespace: Namespace, query: Q) =>
        !served()
          ? run(namespace, query)
          : Effect.map(
              queries.get(
                queryKey(kind, namespace, query),
                Effect.suspend(() =>
                  Effect.map(run(namespace, query), (value) => ({
                    value,
                    weight: QUERY_MEMORY_PER_JSON_BYTE * jsonLength(value)
                  }))
                )
              ),
              (entry) => entry.value as A
            )

    // A deleted item's embedding goes with it, so searches change too (the deletes clear them).
    const storage = Storage.Storage.of({
      ...inner,
      // Hot reads are untraced: a span per cache hit would cost more than the hit itself.
      getEpisode: (ns, id) =>
        !served()
          ? inner.getEpisode(ns, id)
          : episodes.get(
              ns,
              id,
              Effect.suspend(() => inner.getEpisode(ns, id))
            ),
      getPattern: (ns, id) =>
        !served()
          ? inner.getPattern(ns, id)
          : patterns.get(
              ns,
              id,
              Effect.suspend(() => inner.getPattern(ns, id))
            ),
      getEpisodes: (ns, ids) =>
        !served()
          ? inner.getEpisodes(ns, ids)
          : episodes.getMany(ns, ids, inner.maxResponseBytes, (load) => inner.getEpisodes(ns, load)),
      getPatterns: (ns, ids) =>
        !served()
          ? inner.getPatterns(ns, ids)
          : patterns.getMany(ns, ids, inner.maxResponseBytes, (load) => inner.getPatterns(ns, load)),
      queryEpisodes: cachedQuery("episodes", inner.queryEpisodes, pageJsonLength(Storage.EpisodeJson)),
      listPatterns: cachedQuery("patterns", inner.listPatterns, pageJsonLength(Storage.PatternJson)),
      listHeuristics: cachedQuery("heuristics", inner.listHeuristics, pageJsonLength(Storage.HeuristicJson)),
      searchEmbeddings: cachedQuery("search", inner.searchEmbeddings, (page) => JSON.stringify(page).length),

      upsertEpisode: (ns, episode, options) =>
        episodes.upsert(ns, episode, inner.upsertEpisode(ns, episode, options), clearQueries(ns, "episodes")),
      upsertEpisodes: (ns, list, options) =>
        episodes.upsertMany(ns, list, inner.upsertEpisodes(ns, list, options), clearQueries(ns, "episodes")),
      deleteEpisode: (ns, id, options) =>
        episodes.remove(ns, id, inner.deleteEpisode(ns, id, options), clearQueries(ns, "episodes", "search")),
      upsertPattern: (ns, pattern, options) =>
        patterns.upsert(ns, pattern, inner.upsertPattern(ns, pattern, options), clearQueries(ns, "patterns")),
      upsertPatterns: (ns, list, options) =>
        patterns.upsertMany(ns, list, inner.upsertPatterns(ns, list, options), clearQueries(ns, "patterns")),
      deletePattern: (ns, id, options) =>
        patterns.remove(ns, id, inner.deletePattern(ns, id, options), clearQueries(ns, "patterns", "search")),
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
      episodes: episodes.stats(),
      patterns: patterns.stats(),
      queries: queries.unsafeStats()
    })
    return {
      storage,
      cache: StorageCache.of({
        stats,
        peekEpisode: peekWhileFresh(episodes.peek),
        peekPattern: peekWhileFresh(patterns.peek),
        coherence: () => follower?.stats(),
        followFeed: follower === undefined ? Effect.succeed(0) : follower.readNow
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
