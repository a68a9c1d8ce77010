import { describe, expect, it, vi } from "@effect/vitest"
import { Codec } from "@memory-turso/compression"
import type { Episode, Namespace } from "@memory-turso/model"
import { EpisodeQuery, SimilarityQuery } from "@memory-turso/model"
import { Database } from "@memory-turso/pool"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as TestClock from "effect/TestClock"
import * as CachedStorage from "../src/CachedStorage.js"
import * as Storage from "../src/Storage.js"
import { cacheOptions, episode, ns, pattern } from "./support/fixtures.js"

const options = cacheOptions()
const CachedLayer = CachedStorage.layer(options).pipe(
  Layer.provideMerge(Storage.layer()),
  Layer.provideMerge(Layer.merge(Database.layerTest, Codec.layer()))
)
const query = Schema.decodeUnknownSync(EpisodeQuery)

/** Database calls made by an effect. */
const calls = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function* () {
    const db = yield* Database.Database
    const before = yield* db.stats
    const result = yield* effect
    const after = yield* db.stats
    return { result, calls: after.executes + after.batches - before.executes - before.batches }
  })

/** Inserts an episode with SQL, as another process would: this process's cache does not know of it. */
const insertDirectly = (db: Database.Database["Type"], id: string) =>
  db.batch(
    [
      {
        sql: `INSERT INTO episodes (namespace, episode_id, task_type, domain, language, start_time_ms, end_time_ms,
          completed, payload, payload_bytes, created_at, updated_at)
          VALUES ('default', ?, 'other', 'general', NULL, 0, NULL, 0, ?, 10, 0, 0)`,
        args: [id, Storage.EpisodeJson.stringify(episode({ episode_id: id, start_time: "1970-01-01T00:00:00.000Z" }))]
      }
    ],
    "write"
  )

describe("CachedStorage", () => {
  it.scoped("a record just written (one or a batch, episode or pattern) is read with no database call", () =>
    Effect.gen(function* () {
      const storage = yield* Storage.Storage
      const cache = yield* CachedStorage.StorageCache
      const one = yield* storage.upsertEpisode(ns, episode({ episode_id: "e" }))
      const many = yield* storage.upsertEpisodes(ns, [episode({ episode_id: "e2" }), episode({ episode_id: "e3" })])
      const p = yield* storage.upsertPattern(ns, pattern({ type: "error_recovery", pattern_id: "p", error_type: "E" }))
      yield* storage.upsertPatterns(ns, [pattern({ type: "error_recovery", pattern_id: "p2", error_type: "F" })])
      for (const id of ["e", "e2", "e3"]) expect((yield* calls(storage.getEpisode(ns, id))).calls).toBe(0)
      for (const id of ["p", "p2"]) expect((yield* calls(storage.getPattern(ns, id))).calls).toBe(0)
      expect(cache.stats().episodes).toMatchObject({ hits: 3, misses: 0, loads: 0 })
      // The entry is the stored record's canonical JSON (the text the write returned) and its version.
      const entry = cache.peekEpisode(ns, "e")!
      expect(Buffer.from(entry.bytes).toString("utf8")).toBe(Storage.EpisodeJson.stringify(one))
      expect(entry.version).toBe(one.version)
      expect(cache.peekEpisode(ns, "e3")?.version).toBe(many[1]!.version)
      expect(cache.peekPattern(ns, "p")?.version).toBe(p.version)
      // A read parses the bytes into an equal record.
      expect(yield* storage.getEpisode(ns, "e")).toEqual(one)
    }).pipe(Effect.provide(CachedLayer))
  )

  it.scoped("a record written by another process is read once from the database, then from the cache", () =>
    Effect.gen(function* () {
      const storage = yield* Storage.Storage
      const db = yield* Database.Database
      yield* insertDirectly(db, "other")
      expect((yield* calls(storage.getEpisode(ns, "other"))).calls).toBe(1)
      expect((yield* calls(storage.getEpisode(ns, "other"))).calls).toBe(0)
      const cache = yield* CachedStorage.StorageCache
      expect(cache.stats().episodes).toMatchObject({ hits: 1, misses: 1 })
    }).pipe(Effect.provide(CachedLayer))
  )

  it.scoped("two writers of one key finishing in either order: the next read sees the last commit", () =>
    Effect.gen(function* () {
      // A store whose writes commit at once but return only when released, to interleave two writers.
      const committed = new Map<string, Episode>()
      const gates = new Map<string, Deferred.Deferred<void>>()
      let version = 0
      const stub = Layer.succeed(
        Storage.Storage,
        Storage.Storage.of({
          upsertEpisode: (_: Namespace, e: Episode) =>
            Effect.gen(function* () {
              const stored = { ...e, version: ++version }
              committed.set(e.episode_id, stored)
              yield* Deferred.await(gates.get(e.task_description)!)
              return stored
            }),
          getEpisode: (_: Namespace, id: string) => Effect.sync(() => committed.get(id)!)
        } as unknown as Storage.Storage["Type"])
      )
      yield* Effect.gen(function* () {
        const storage = yield* Storage.Storage
        for (const version of ["v1", "v2"]) gates.set(version, yield* Deferred.make<void>())
        const w1 = yield* Effect.fork(storage.upsertEpisode(ns, episode({ episode_id: "k", task_description: "v1" })))
        yield* Effect.yieldNow()
        const w2 = yield* Effect.fork(storage.upsertEpisode(ns, episode({ episode_id: "k", task_description: "v2" })))
        yield* Effect.yieldNow()
        // v2 committed last; its writer returns first, then v1's.
        yield* Deferred.succeed(gates.get("v2")!, undefined)
        yield* Fiber.join(w2)
        expect((yield* storage.getEpisode(ns, "k")).task_description).toBe("v2")
        yield* Deferred.succeed(gates.get("v1")!, undefined)
        yield* Fiber.join(w1)
        expect((yield* storage.getEpisode(ns, "k")).task_description).toBe("v2")
      }).pipe(Effect.provide(CachedStorage.layer(options).pipe(Layer.provide(stub))))
    })
  )

  it.scoped("100 concurrent reads of one cold key make one database read", () =>
    Effect.gen(function* () {
      const storage = yield* Storage.Storage
      const db = yield* Database.Database
      yield* insertDirectly(db, "cold")
      const { calls: made, result } = yield* calls(
        Effect.all(
          Array.from({ length: 100 }, () => storage.getEpisode(ns, "cold")),
          { concurrency: "unbounded" }
        )
      )
      expect(made).toBe(1)
      // The waiters parse the cached bytes: equal records.
      expect(new Set(result.map((e) => JSON.stringify(e))).size).toBe(1)
    }).pipe(Effect.provide(CachedLayer))
  )

  it.scoped("failures are not cached; read-after-write and read-after-delete see the new state", () =>
    Effect.gen(function* () {
      const storage = yield* Storage.Storage
      expect((yield* Effect.flip(storage.getEpisode(ns, "e")))._tag).toBe("NotFound")
      expect((yield* calls(Effect.flip(storage.getEpisode(ns, "e")))).calls).toBe(1)
      yield* storage.upsertEpisode(ns, episode({ episode_id: "e", task_description: "v1" }))
      expect((yield* storage.getEpisode(ns, "e")).task_description).toBe("v1")
      yield* storage.upsertEpisodes(ns, [episode({ episode_id: "e", task_description: "v2" })])
      expect((yield* storage.getEpisode(ns, "e")).task_description).toBe("v2")
      yield* storage.deleteEpisode(ns, "e")
      expect((yield* Effect.flip(storage.getEpisode(ns, "e")))._tag).toBe("NotFound")
      yield* storage.upsertPatterns(ns, [pattern({ type: "error_recovery", pattern_id: "p", error_type: "v1" })])
      yield* storage.getPattern(ns, "p")
      yield* storage.upsertPattern(ns, pattern({ type: "error_recovery", pattern_id: "p", error_type: "v2" }))
      expect(yield* storage.getPattern(ns, "p")).toMatchObject({ error_type: "v2" })
      yield* storage.deletePattern(ns, "p")
      expect((yield* Effect.flip(storage.getPattern(ns, "p")))._tag).toBe("NotFound")
    }).pipe(Effect.provide(CachedLayer))
  )

  it.scoped("query results are cached and dropped by every write that could change them", () =>
    Effect.gen(function* () {
      const storage = yield* Storage.Storage
      const all = query({ limit: 10 })
      const ids = (page: Storage.Page<{ episode_id: string }>) => page.items.map((e) => e.episode_id)
      yield* storage.upsertEpisode(ns, episode({ episode_id: "a", start_time: "2024-01-01T00:00:00Z" }))
      expect(ids(yield* storage.queryEpisodes(ns, all))).toEqual(["a"])
      expect((yield* calls(storage.queryEpisodes(ns, all))).calls).toBe(0)
      yield* storage.upsertEpisodes(ns, [episode({ episode_id: "b", start_time: "2024-02-01T00:00:00Z" })])
      expect(ids(yield* storage.queryEpisodes(ns, all))).toEqual(["b", "a"])
      yield* storage.deleteEpisode(ns, "a")
      expect(ids(yield* storage.queryEpisodes(ns, all))).toEqual(["b"])

      const search = Schema.decodeUnknownSync(SimilarityQuery)({ vector: [1, 0] })
      expect((yield* storage.searchEmbeddings(ns, search)).items).toEqual([])
      yield* storage.upsertEmbedding(ns, { item_type: "episode", item_id: "b", model: "m", vector: [1, 0] })
      expect((yield* storage.searchEmbeddings(ns, search)).items.map((m) => m.item_id)).toEqual(["b"])
      yield* storage.deleteEpisode(ns, "b")
      expect((yield* storage.searchEmbeddings(ns, search)).items).toEqual([])

      expect((yield* storage.listHeuristics(ns, { limit: 10 })).items).toEqual([])
      yield* storage.upsertHeuristic(ns, {
        heuristic_id: "h",
        condition: "c",
        action: "a",
        confidence: 1,
        evidence: { episode_ids: [], success_rate: 0, sample_size: 0 }
      })
      expect((yield* storage.listHeuristics(ns, { limit: 10 })).items).toHaveLength(1)
    }).pipe(Effect.provide(CachedLayer))
  )

  it.scoped("batch get loads only what the cache lacks, in one batch call", () =>
    Effect.gen(function* () {
      const storage = yield* Storage.Storage
      yield* storage.upsertEpisodes(
        ns,
        ["a", "b", "c"].map((episode_id) => episode({ episode_id }))
      )
      const cache = yield* CachedStorage.StorageCache
      const db = yield* Database.Database
      yield* db.execute({ sql: "SELECT 1", args: [] })
      yield* db.execute({ sql: "DELETE FROM episodes WHERE episode_id = 'b'", args: [] })
      yield* insertDirectly(db, "d")
      // "a" and "c" were cached by their write; "d" is loaded by this read, "b" is in the cache only.
      expect((yield* calls(storage.getEpisodes(ns, ["a", "d", "c"]))).calls).toBe(1)
      expect(cache.stats().episodes.hits).toBe(2)
      // "a", "c" and "d" are cached now; "zz" is not there at all.
      const { calls: made, result } = yield* calls(storage.getEpisodes(ns, ["c", "zz", "a", "d"]))
      expect(made).toBe(1)
      expect(result.found.map((e) => e.episode_id)).toEqual(["c", "a", "d"])
      expect(result.missing).toEqual(["zz"])
      expect(cache.stats().episodes.hits).toBe(5)
    }).pipe(Effect.provide(CachedLayer))
  )

  it.scoped("an entry expires after its TTL (virtual clock) and is read again from the database", () =>
    Effect.gen(function* () {
      const storage = yield* Storage.Storage
      yield* storage.upsertEpisode(ns, episode({ episode_id: "e" }))
      expect((yield* calls(storage.getEpisode(ns, "e"))).calls).toBe(0)
      yield* TestClock.adjust("1801 seconds")
      expect((yield* calls(storage.getEpisode(ns, "e"))).calls).toBe(1)
      expect((yield* calls(storage.getEpisode(ns, "e"))).calls).toBe(0)
    }).pipe(Effect.provide(CachedLayer))
  )
})

describe("CachedStorage memory bound", () => {
  it.scoped("100 searches with 65,536-dimension vectors: each cached under a digest, the keys' bytes counted", () =>
    Effect.gen(function* () {
      const storage = yield* Storage.Storage
      const cache = yield* CachedStorage.StorageCache
      // decoded once (decoding 65,536 floats takes a while), then varied
      const decoded = Schema.decodeUnknownSync(SimilarityQuery)({
        vector: Array.from({ length: 65_536 }, (_, i) => (i % 7) + 0.5)
      })
      const search = (i: number) => ({ ...decoded, vector: decoded.vector.map((x, d) => (d === i ? -x : x)) })
      for (let i = 0; i < 100; i++) expect((yield* storage.searchEmbeddings(ns, search(i))).items).toEqual([])
      const stats = cache.stats().queries
      expect(stats.entries).toBe(100)
      // each entry weighs its key ("search?default?#" and a 43-character digest, two bytes per character) and its
      // result (5 bytes per JSON character); with the vector's JSON in its key, each would weigh over 500 KB
      const key = 2 * (`search?${ns}?#`.length + 43)
      const result = 5 * JSON.stringify({ items: [], next_cursor: null }).length
      expect(stats.approx_bytes).toBe(100 * (key + result))
      // the same query is found again under its digest; another one is not
      expect((yield* calls(storage.searchEmbeddings(ns, search(7)))).calls).toBe(0)
      expect((yield* calls(storage.searchEmbeddings(ns, search(100)))).calls).toBe(1)
      expect(cache.stats().queries).toMatchObject({ hits: 1, misses: 101 })
    }).pipe(Effect.provide(CachedLayer))
  )

  it.scoped("a cached page is weighed from its documents' JSON, never serialised again", () =>
    Effect.gen(function* () {
      const storage = yield* Storage.Storage
      const cache = yield* CachedStorage.StorageCache
      yield* storage.upsertEpisodes(
        ns,
        Array.from({ length: 100 }, (_, i) => episode({ episode_id: `e${i}`, task_description: "x".repeat(2000) }))
      )
      const stringify = vi.spyOn(JSON, "stringify")
      const page = yield* storage
        .queryEpisodes(ns, query({ limit: 100 }))
        .pipe(Effect.ensuring(Effect.sync(() => stringify.mockRestore())))
      expect(page.items).toHaveLength(100)
      // the query key and the cursor only: nothing the size of the page
      const longest = Math.max(...stringify.mock.results.map((r) => String(r.value).length))
      expect(longest).toBeLessThan(200)
      const json = page.items.reduce((sum, e) => sum + Storage.EpisodeJson.stringify(e).length + 1, 32)
      const key = 2 * `episodes?${ns}?${JSON.stringify(query({ limit: 100 }))}`.length
      expect(cache.stats().queries.approx_bytes).toBe(key + 5 * json)
    }).pipe(Effect.provide(CachedLayer))
  )

  it.scoped("a query result read all the time still expires max_ttl after it was loaded", () =>
    Effect.gen(function* () {
      const storage = yield* Storage.Storage
      yield* storage.upsertEpisode(ns, episode({ episode_id: "e" }))
      const list = query({})
      const loads: Array<number> = []
      // 10 reads a minute (hot: its TTL grows from 300 s to the 7200 s maximum) for 150 minutes
      for (let minute = 0; minute < 150; minute++) {
        for (let r = 0; r < 10; r++) loads.push((yield* calls(storage.queryEpisodes(ns, list))).calls)
        yield* TestClock.adjust("60 seconds")
      }
      const cache = yield* CachedStorage.StorageCache
      // loaded at 0 and 120 minutes of virtual time: once every max_ttl (7200 s)
      expect(loads.flatMap((made, i) => (made === 1 ? [Math.floor(i / 10)] : []))).toEqual([0, 120])
      expect(cache.stats().queries).toMatchObject({ loads: 2, expirations: 1 })
    }).pipe(Effect.provide(CachedLayer))
  )

  it.scoped("an episode too heavy for the cache is served but not kept", () =>
    Effect.gen(function* () {
      const storage = yield* Storage.Storage
      const huge = episode({
        episode_id: "huge",
        steps: Array.from({ length: 400 }, (_, i) => ({
          step_number: i + 1,
          timestamp: new Date(1_700_000_000_000 + i).toISOString(),
          tool: "shell",
          action: `step ${i}`,
          result: { type: "success" as const, output: `${i} `.repeat(1000) }
        }))
      })
      yield* storage.upsertEpisode(ns, huge)
      expect((yield* calls(storage.getEpisode(ns, "huge"))).calls).toBe(1)
      expect((yield* calls(storage.getEpisode(ns, "huge"))).calls).toBe(1)
      const cache = yield* CachedStorage.StorageCache
      // Not kept by its write, nor by either read.
      expect(cache.stats().episodes.oversized).toBe(3)
    }).pipe(Effect.provide(CachedLayer))
  )
})
