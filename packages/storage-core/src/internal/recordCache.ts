import { AdaptiveCache, type CacheOptions } from "@memory-turso/cache"
import type { Namespace } from "@memory-turso/model"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type * as Exit from "effect/Exit"
import type * as Scope from "effect/Scope"
import type { CanonicalJson } from "../CanonicalJson.js"
import type * as Storage from "../Storage.js"
import { ByteBudget } from "./budget.js"
import { decodeSlices, yieldToEventLoop } from "./eventLoop.js"
import { WriteOrder } from "./writeOrder.js"

/** A cached record: its canonical JSON as UTF-8 bytes (what a read-by-id response sends) and its version. */
export interface CachedRecord {
  readonly bytes: Uint8Array
  readonly version: number
}

/**
 * Memory of one cached record beyond its JSON bytes, measured by `bench/cache-memory.ts` (`bench:memory`: 10,000
 * cached 4.7 KB episodes take 5,234 bytes each, key included): the Uint8Array and its ArrayBuffer, the record
 * object, the cache entry and its place in the LRU maps. The key is weighed apart (two bytes per character).
 */
export const RECORD_ENTRY_OVERHEAD = 520

/** What a record cache needs to know of its kind of record. */
export interface RecordKind<A> {
  readonly json: CanonicalJson<A>
  readonly idOf: (record: A) => string
  /** The stored version (every stored record has one). */
  readonly versionOf: (record: A) => number | undefined
}

/**
 * The cache key of a record: its namespace and id. Neither can hold "/", so no two records share a key and a record
 * of one namespace is never served to another.
 */
export const recordKey = (namespace: Namespace, id: string) => `${namespace}/${id}`

/**
 * A cache of one kind of record by namespace and id, holding each record's canonical JSON bytes and version only.
 * A hit is parsed (JSON.parse, no schema decoding) for callers that want the value; the read-by-id route serves the
 * bytes as they are (`peek`). Writes go through after commit, ordered by `WriteOrder` and by version.
 */
export const makeRecordCache = <A>(
  options: Omit<CacheOptions.Options<CachedRecord, string>, "weigh" | "supersedes">,
  kind: RecordKind<A>
): Effect.Effect<RecordCache<A>, CacheOptions.CacheOptionsError, Scope.Scope> =>
  Effect.gen(function* () {
    const cache = yield* AdaptiveCache.make<string, CachedRecord>({
      ...options,
      weigh: (record) => record.bytes.byteLength + RECORD_ENTRY_OVERHEAD,
      supersedes: (next, current) => next.version >= current.version
    })
    const order = new WriteOrder()
    // Counts finished writes, so a batch read that overlapped one does not cache what it read.
    let writes = 0

    const recordOf = (value: A): CachedRecord => ({
      bytes: kind.json.bytes(value),
      version: kind.versionOf(value) ?? 0
    })
    const parsed = (record: CachedRecord): A => Either.getOrThrow(kind.json.parseStoredBytes(record.bytes))

    const get = <E>(namespace: Namespace, id: string, load: Effect.Effect<A, E>): Effect.Effect<A, E> =>
      Effect.suspend(() => {
        // The caller that ran the load gets its value; one that joined it, or hit, parses the bytes.
        let loaded: A | undefined
        return Effect.map(
          cache.get(
            recordKey(namespace, id),
            Effect.map(load, (value) => {
              loaded = value
              return recordOf(value)
            })
          ),
          (record) => loaded ?? parsed(record)
        )
      })

    const getMany = <E>(
      namespace: Namespace,
      ids: ReadonlyArray<string>,
      budget: number,
      loadMany: (ids: ReadonlyArray<string>) => Effect.Effect<Storage.BatchGet<A>, E>
    ): Effect.Effect<Storage.BatchGet<A>, E> =>
      Effect.gen(function* () {
        const known = new Map<string, A>()
        const unread = new Set<string>()
        const spent = new ByteBudget(budget)
        const toLoad: Array<string> = []
        for (const id of new Set(ids)) {
          if (unread.size > 0) {
            unread.add(id)
            continue
          }
          const hit = yield* cache.getIfPresent(recordKey(namespace, id))
          if (hit._tag === "None") toLoad.push(id)
          else if (spent.admit(hit.value.bytes.byteLength)) known.set(id, parsed(hit.value))
          else unread.add(id)
        }
        if (toLoad.length > 0) {
          const before = writes
          const loaded = yield* loadMany(toLoad)
          const slices = decodeSlices()
          for (const document of loaded.found) {
            known.set(kind.idOf(document), document)
            if (writes === before) yield* cache.set(recordKey(namespace, kind.idOf(document)), recordOf(document))
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

    /** The stored records of a batch by key: the highest version of each id. */
    const byKey = (namespace: Namespace, stored: ReadonlyArray<A>) => {
      const out = new Map<string, A>()
      for (const value of stored) {
        const key = recordKey(namespace, kind.idOf(value))
        const previous = out.get(key)
        if (previous === undefined || (kind.versionOf(value) ?? 0) >= (kind.versionOf(previous) ?? 0)) {
          out.set(key, value)
        }
      }
      return out
    }

    /**
     * Runs a write of `ids` and goes through to the cache after it, whatever its outcome: a committed record is
     * stored (see `WriteOrder`), a failed or unknown one dropped; `after` runs last (clearing query results).
     */
    const writing = <R, E>(
      namespace: Namespace,
      ids: ReadonlyArray<string>,
      write: Effect.Effect<R, E>,
      storedOf: (result: R) => ReadonlyArray<A>,
      after: Effect.Effect<unknown>
    ): Effect.Effect<R, E> =>
      Effect.suspend(() => {
        const keys = [...new Set(ids.map((id) => recordKey(namespace, id)))]
        order.begin(keys)
        return write.pipe(
          Effect.onExit((exit: Exit.Exit<R, E>) =>
            Effect.gen(function* () {
              writes++
              const stored = exit._tag === "Success" ? byKey(namespace, storedOf(exit.value)) : new Map<string, A>()
              for (const key of keys) {
                const value = stored.get(key)
                if (value === undefined) {
                  order.dropped(key)
                  yield* cache.invalidate(key)
                  continue
                }
                const outcome = order.committed(key, kind.versionOf(value) ?? 0)
                if (outcome === "drop") yield* cache.invalidate(key)
                else if (outcome === "store") yield* cache.set(key, recordOf(value))
              }
              yield* after
            })
          )
        )
      })

    /**
     * A committed change of the record read from the change feed (`version` null: deleted): drops the entry unless it
     * holds that version or a newer one (a delete always drops it); loads and writes of the key in flight do not
     * fill it. True when an entry was dropped.
     */
    const changed = (namespace: Namespace, id: string, version: number | null): Effect.Effect<boolean> =>
      Effect.suspend(() => {
        writes++
        const key = recordKey(namespace, id)
        order.interfere(key)
        const held = version === null ? undefined : cache.peekLive(key)
        return held !== undefined && held.version >= version! ? Effect.succeed(false) : cache.invalidate(key)
      })

    /** Drops every entry, load and write-through in flight; returns how many entries were dropped. */
    const clear = Effect.suspend(() => {
      writes++
      order.interfere()
      return cache.clear()
    })

    return {
      get,
      getMany,
      changed,
      clear,
      upsert: <E>(namespace: Namespace, value: A, write: Effect.Effect<A, E>, after: Effect.Effect<unknown>) =>
        writing(namespace, [kind.idOf(value)], write, (stored) => [stored], after),
      upsertMany: <E>(
        namespace: Namespace,
        values: ReadonlyArray<A>,
        write: Effect.Effect<ReadonlyArray<A>, E>,
        after: Effect.Effect<unknown>
      ) => writing(namespace, values.map(kind.idOf), write, (stored) => stored, after),
      remove: <E>(namespace: Namespace, id: string, write: Effect.Effect<void, E>, after: Effect.Effect<unknown>) =>
        writing(namespace, [id], write, () => [], after),
      peek: (namespace: Namespace, id: string) => cache.unsafeGetIfPresent(recordKey(namespace, id)),
      stats: cache.unsafeStats,
      pendingWrites: () => order.size
    }
  })

/** A record cache (see `makeRecordCache`). */
export interface RecordCache<A> {
  /** The record, from the cache or by `load` (single flight; a load overtaken by a write does not fill). */
  readonly get: <E>(namespace: Namespace, id: string, load: Effect.Effect<A, E>) => Effect.Effect<A, E>
  /**
   * Reads many by id: hits from the cache, the rest by one `loadMany`, cached unless a write finished meanwhile.
   * The hits count against `budget` in the order asked, and the loads have their own (so a batch holds at most
   * about twice the budget); what does not fit is `unread`.
   */
  readonly getMany: <E>(
    namespace: Namespace,
    ids: ReadonlyArray<string>,
    budget: number,
    loadMany: (ids: ReadonlyArray<string>) => Effect.Effect<Storage.BatchGet<A>, E>
  ) => Effect.Effect<Storage.BatchGet<A>, E>
  /** Runs the write of one record, then stores what it committed (or drops the entry), then `after`. */
  readonly upsert: <E>(
    namespace: Namespace,
    value: A,
    write: Effect.Effect<A, E>,
    after: Effect.Effect<unknown>
  ) => Effect.Effect<A, E>
  /** The same for a batch: each id's committed record is stored (the highest version of an id written twice). */
  readonly upsertMany: <E>(
    namespace: Namespace,
    values: ReadonlyArray<A>,
    write: Effect.Effect<ReadonlyArray<A>, E>,
    after: Effect.Effect<unknown>
  ) => Effect.Effect<ReadonlyArray<A>, E>
  /** Runs a delete, then drops the entry (whatever its outcome), then `after`. */
  readonly remove: <E>(
    namespace: Namespace,
    id: string,
    write: Effect.Effect<void, E>,
    after: Effect.Effect<unknown>
  ) => Effect.Effect<void, E>
  /** A change read from the feed: drops the entry unless it holds that version or newer; true if dropped. */
  readonly changed: (namespace: Namespace, id: string, version: number | null) => Effect.Effect<boolean>
  /** Drops everything (and what is in flight); returns how many entries were dropped. */
  readonly clear: Effect.Effect<number>
  /** The cached record, read synchronously (a hit is counted). */
  readonly peek: (namespace: Namespace, id: string) => CachedRecord | undefined
  readonly stats: () => AdaptiveCache.Stats
  /** Keys with writes in flight. */
  readonly pendingWrites: () => number
}
