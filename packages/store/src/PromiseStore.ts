import {
  DEFAULT_NAMESPACE,
  type DictionaryInfo,
  Embedding,
  type EmbeddingInput,
  Episode,
  type EpisodeInput,
  EpisodeQuery,
  type EpisodeQueryInput,
  Heuristic,
  type HeuristicInput,
  HeuristicQuery,
  type HeuristicQueryInput,
  type ItemType,
  type Namespace,
  Pattern,
  type PatternInput,
  PatternQuery,
  type PatternQueryInput,
  RecallQuery,
  type RecallQueryInput,
  type RecallResult,
  type SimilarityMatch,
  SimilarityQuery,
  type SimilarityQueryInput,
  type StoreMetrics
} from "@memory-turso/model"
import type { Storage } from "@memory-turso/storage-core"
import { Storage as StorageTag } from "@memory-turso/storage-core"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ManagedRuntime from "effect/ManagedRuntime"
import { checkId, decodeInput, type FacadeFailure, makeRunner, namespaceOf } from "./internal/run.js"
import * as MemoryStore from "./MemoryStore.js"
import * as StoreConfig from "./StoreConfig.js"
import { errorOf } from "./StoreError.js"

/**
 * Options of `createMemoryStore`: the operators' configuration sections (`database`, `connection_pool`, `keepalive`,
 * `compression`, `cache`, `retry`, `optimizations`, `recall`, as in the API's TOML file, every key optional), plus
 * shorthands for the database and the store's namespace.
 */
export interface MemoryStoreOptions extends StoreConfig.StoreConfigInput {
  /** The database: `file:` (embedded) or `libsql://`/`https://` (remote); overrides `database.url`. */
  readonly url?: string
  /** The remote database's token; overrides `database.token`. Never printed. */
  readonly authToken?: string
  /** The namespace the store's collections work in (default `default`); `namespace(name)` gives others. */
  readonly namespace?: string
}

/** One page of a listing, newest first, and the cursor of the next page (null on the last). */
export interface Page<A> {
  readonly items: ReadonlyArray<A>
  readonly next_cursor: string | null
}

/**
 * What a batch read found, in the order asked; the ids it did not; and the ids it did not read because the result
 * reached the store's byte budget (ask for them again).
 */
export interface Found<A> {
  readonly found: ReadonlyArray<A>
  readonly missing: ReadonlyArray<string>
  readonly unread: ReadonlyArray<string>
}

/** Records of one kind: input is the wire (JSON) form, results are decoded values with every default filled. */
export interface Collection<A, I, Q> {
  /** Creates or replaces one record (an absent id is generated); the stored record. */
  readonly put: (record: I) => Promise<A>
  /** Stores up to 1000 records in one transaction: all or nothing. */
  readonly putMany: (records: ReadonlyArray<I>) => Promise<ReadonlyArray<A>>
  /** One record; rejects with `NotFoundError` (`not_found`) when there is none. */
  readonly get: (id: string) => Promise<A>
  readonly getMany: (ids: ReadonlyArray<string>) => Promise<Found<A>>
  /** A page, newest first; pass `next_cursor` back as `cursor` for the next. */
  readonly list: (query?: Q) => Promise<Page<A>>
  /** Deletes one record (its embedding and index rows with it); `NotFoundError` when there is none. */
  readonly delete: (id: string) => Promise<void>
}

/** Embeddings of episodes and patterns, and similarity search. */
export interface Embeddings {
  /** Stores an item's embedding; the item must exist in the namespace (`NotFoundError` otherwise). */
  readonly put: (embedding: EmbeddingInput) => Promise<Embedding>
  readonly get: (itemType: ItemType, itemId: string) => Promise<Embedding>
  readonly delete: (itemType: ItemType, itemId: string) => Promise<void>
  /**
   * The `k` nearest embeddings of the namespace by cosine similarity (pages the byte budget cut short are followed
   * to the end).
   */
  readonly search: (query: SimilarityQueryInput) => Promise<ReadonlyArray<SimilarityMatch>>
}

/** The store's records in one namespace. */
export interface NamespaceView {
  /**
   * The `k` episodes, patterns and heuristics most relevant to `text` (BM25), `vector` (cosine similarity, through
   * the vector index), or both fused by reciprocal rank; each with its score breakdown, and how they were found.
   */
  readonly recall: (query: RecallQueryInput) => Promise<RecallResult>
  readonly name: string
  readonly episodes: Collection<Episode, EpisodeInput, EpisodeQueryInput>
  readonly patterns: Collection<Pattern, PatternInput, PatternQueryInput>
  readonly heuristics: Collection<Heuristic, HeuristicInput, HeuristicQueryInput>
  readonly embeddings: Embeddings
}

/** A memory store in this process, with Promise methods. Every rejection is a `MemoryStoreError` with a `code`. */
export interface PromiseMemoryStore extends NamespaceView {
  /** The same store's records in another namespace (`ValidationError` `invalid_namespace` for a bad name). */
  readonly namespace: (name: string) => NamespaceView
  /** The same sections the API's `/metrics` reports for its store (cache, compression, pool, keep-alive, ...). */
  readonly stats: () => Promise<StoreMetrics>
  /** Builds a compression dictionary from the most recent episodes now (needs `compression.use_dictionary`). */
  readonly buildDictionary: () => Promise<DictionaryInfo>
  /** Closes the database (after operations in flight); later calls reject with `store_closed`. */
  readonly close: () => Promise<void>
}

type Run = <A>(effect: Effect.Effect<A, FacadeFailure, StorageTag.Storage | MemoryStore.StoreStatus>) => Promise<A>

/** The store's operations on one kind of record, in one namespace. */
const collection = <A, I, Q, QI>(
  run: Run,
  schema: { readonly decode: (input: unknown) => Effect.Effect<A, FacadeFailure> },
  query: (input: QI) => Effect.Effect<Q, FacadeFailure>,
  ops: (storage: Storage.Storage["Type"]) => {
    readonly upsertMany: (ns: Namespace, records: ReadonlyArray<A>) => Effect.Effect<ReadonlyArray<A>, FacadeFailure>
    readonly get: (ns: Namespace, id: string) => Effect.Effect<A, FacadeFailure>
    readonly getMany: (ns: Namespace, ids: ReadonlyArray<string>) => Effect.Effect<Found<A>, FacadeFailure>
    readonly list: (ns: Namespace, query: Q) => Effect.Effect<Page<A>, FacadeFailure>
    readonly remove: (ns: Namespace, id: string) => Effect.Effect<void, FacadeFailure>
  },
  ns: Namespace
): Collection<A, I, QI> => {
  const withOps = <B>(f: (o: ReturnType<typeof ops>) => Effect.Effect<B, FacadeFailure>) =>
    run(Effect.flatMap(StorageTag.Storage, (storage) => f(ops(storage))))
  return {
    put: (record) =>
      withOps((o) =>
        Effect.flatMap(schema.decode(record), (decoded) => Effect.map(o.upsertMany(ns, [decoded]), () => decoded))
      ),
    putMany: (records) =>
      withOps((o) => Effect.flatMap(Effect.forEach(records, schema.decode), (decoded) => o.upsertMany(ns, decoded))),
    get: (id) => withOps((o) => Effect.flatMap(checkId(id), (valid) => o.get(ns, valid))),
    getMany: (ids) =>
      withOps((o) =>
        Effect.flatMap(
          Effect.forEach(ids, (id) => checkId(id)),
          (valid) => o.getMany(ns, valid)
        )
      ),
    list: (input) => withOps((o) => Effect.flatMap(query((input ?? {}) as QI), (q) => o.list(ns, q))),
    delete: (id) => withOps((o) => Effect.flatMap(checkId(id), (valid) => o.remove(ns, valid)))
  }
}

const Inputs = {
  episode: { decode: decodeInput(Episode) },
  pattern: { decode: decodeInput(Pattern) },
  heuristic: { decode: decodeInput(Heuristic) },
  episodeQuery: decodeInput(EpisodeQuery),
  patternQuery: decodeInput(PatternQuery),
  heuristicQuery: decodeInput(HeuristicQuery),
  embedding: decodeInput(Embedding),
  similarity: decodeInput(SimilarityQuery),
  recall: decodeInput(RecallQuery)
}

/** Up to `k` matches, following the cursors of pages the byte budget cut short. */
const searchAll = (storage: Storage.Storage["Type"], ns: Namespace, query: SimilarityQuery) =>
  Effect.gen(function* () {
    const matches: Array<SimilarityMatch> = []
    let cursor = query.cursor
    do {
      const page = yield* storage.searchEmbeddings(ns, cursor === undefined ? query : { ...query, cursor })
      matches.push(...page.items)
      cursor = page.next_cursor ?? undefined
    } while (cursor !== undefined && matches.length < query.k)
    return matches.slice(0, query.k)
  })

/** The store's records in namespace `ns`. */
const view = (run: Run, ns: Namespace): NamespaceView => ({
  name: ns,
  recall: (input) =>
    run(
      Effect.flatMap(Inputs.recall(input), (query) => Effect.flatMap(StorageTag.Storage, (s) => s.recall(ns, query)))
    ),
  episodes: collection(
    run,
    Inputs.episode,
    Inputs.episodeQuery,
    (s) => ({
      upsertMany: s.upsertEpisodes,
      get: s.getEpisode,
      getMany: s.getEpisodes,
      list: s.queryEpisodes,
      remove: s.deleteEpisode
    }),
    ns
  ),
  patterns: collection(
    run,
    Inputs.pattern,
    Inputs.patternQuery,
    (s) => ({
      upsertMany: s.upsertPatterns,
      get: s.getPattern,
      getMany: s.getPatterns,
      list: s.listPatterns,
      remove: s.deletePattern
    }),
    ns
  ),
  heuristics: collection(
    run,
    Inputs.heuristic,
    Inputs.heuristicQuery,
    (s) => ({
      upsertMany: s.upsertHeuristics,
      get: s.getHeuristic,
      getMany: s.getHeuristics,
      list: s.listHeuristics,
      remove: s.deleteHeuristic
    }),
    ns
  ),
  embeddings: {
    put: (input) =>
      run(
        Effect.flatMap(Inputs.embedding(input), (embedding) =>
          Effect.flatMap(StorageTag.Storage, (s) => s.upsertEmbedding(ns, embedding))
        )
      ),
    get: (itemType, itemId) =>
      run(
        Effect.flatMap(checkId(itemId, "item_id"), (id) =>
          Effect.flatMap(StorageTag.Storage, (s) => s.getEmbedding(ns, itemType, id))
        )
      ),
    delete: (itemType, itemId) =>
      run(
        Effect.flatMap(checkId(itemId, "item_id"), (id) =>
          Effect.flatMap(StorageTag.Storage, (s) => s.deleteEmbedding(ns, itemType, id))
        )
      ),
    search: (input) =>
      run(
        Effect.flatMap(Inputs.similarity(input), (query) =>
          Effect.flatMap(StorageTag.Storage, (s) => searchAll(s, ns, query))
        )
      )
  }
})

/**
 * Opens a memory store in this process: the same stack the API serves (pool, keep-alive for a remote database,
 * codec, storage, caches) from the same configuration sections, validated with the same messages. Rejects with a
 * `LifecycleError` (`invalid_configuration`, or `could_not_start` when the database cannot be opened).
 *
 * ```ts
 * const store = await createMemoryStore({ url: "file:./memory.db" })
 * await store.episodes.put({ episode_id: "e1", task_description: "fix the flaky test" })
 * const episode = await store.episodes.get("e1")
 * await store.close()
 * ```
 */
export const createMemoryStore = async (options: MemoryStoreOptions = {}): Promise<PromiseMemoryStore> => {
  const { authToken, namespace, url, ...sections } = options
  const database = {
    ...sections.database,
    ...(url === undefined ? {} : { url }),
    ...(authToken === undefined ? {} : { token: authToken })
  }
  const decoded = StoreConfig.decode({ ...sections, database }, { tokenHint: "pass authToken" })
  if (Either.isLeft(decoded)) {
    throw errorOf({ code: "invalid_configuration", message: decoded.left.message, issues: decoded.left.issues })
  }
  const ns = namespaceOf(namespace ?? DEFAULT_NAMESPACE)
  const runtime = ManagedRuntime.make(MemoryStore.layer(decoded.right.config))
  try {
    await runtime.runtime()
  } catch (error) {
    await runtime.dispose()
    throw errorOf({ code: "could_not_start", message: `the store could not start: ${startFailure(error)}` })
  }
  const runner = makeRunner(
    runtime as ManagedRuntime.ManagedRuntime<StorageTag.Storage | MemoryStore.StoreStatus, never>
  )
  const run: Run = runner.run
  return {
    ...view(run, ns),
    namespace: (name) => view(run, namespaceOf(name)),
    stats: () => run(Effect.flatMap(MemoryStore.StoreStatus, (status) => status.metrics)),
    buildDictionary: () => run(Effect.flatMap(StorageTag.Storage, (s) => s.buildDictionary)),
    close: runner.close
  }
}

/** Why the stack did not start, in one line (failures of the database layer never carry the token). */
const startFailure = (error: unknown): string => {
  const message = error instanceof Error ? error.message : String(error)
  return message.split("\n")[0]!.slice(0, 300)
}
