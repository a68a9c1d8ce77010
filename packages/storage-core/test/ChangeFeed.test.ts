import { describe, expect, it } from "@effect/vitest"
import { Codec } from "@memory-turso/compression"
import { EpisodeQuery, PatternQuery } from "@memory-turso/model"
import { Database } from "@memory-turso/pool"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as TestClock from "effect/TestClock"
import * as CachedStorage from "../src/CachedStorage.js"
import * as Storage from "../src/Storage.js"
import { NotFound } from "../src/StorageError.js"
import { cacheOptions, episode, heuristic, ns, pattern } from "./support/fixtures.js"

const coherence: CachedStorage.CoherenceOptions = {
  intervalMs: 250,
  maxStalenessMs: 2000,
  retentionMs: 600_000,
  maxEntries: 100_000,
  trimIntervalMs: 10_000
}

/** The feed as stored: kind, id and version of each entry, oldest first. */
const feed = Effect.gen(function* () {
  const db = yield* Database.Database
  const result = yield* db.execute({
    sql: "SELECT namespace, kind, id, version FROM change_feed ORDER BY seq",
    args: []
  })
  return result.rows.map((r) => `${r["namespace"]}:${r["kind"]}:${r["id"]}:${r["version"] ?? "deleted"}`)
})

const trimmedThrough = Effect.flatMap(Database.Database, (db) =>
  Effect.map(db.execute({ sql: "SELECT trimmed_through FROM change_feed_state", args: [] }), (r) =>
    Number(r.rows[0]!["trimmed_through"])
  )
)

/**
 * A process of its own over the database `db`: storage and its caches following the feed. `feedReads` (when given)
 * decides whether the feed can be read: a fault on its reads only, as a partition would cut them.
 */
const replica = (db: Database.Database["Type"], options = coherence, feedReads?: { open: boolean }) =>
  Effect.gen(function* () {
    const faulty: Database.Database["Type"] = {
      ...db,
      batch: (statements, mode) =>
        feedReads !== undefined && !feedReads.open && statements.some((s) => s.sql.includes("FROM change_feed WHERE"))
          ? Effect.flatMap(db.execute({ sql: "SELECT * FROM no_such_table", args: [] }), () => db.batch([], mode))
          : db.batch(statements, mode)
    }
    const layer = CachedStorage.layer({ ...cacheOptions(), coherence: options }).pipe(
      Layer.provideMerge(Storage.layer({ compression: { use_dictionary: false } })),
      Layer.provideMerge(Layer.merge(Layer.succeed(Database.Database, faulty), Codec.layer()))
    )
    const context = yield* Layer.build(layer)
    return { storage: Context.get(context, Storage.Storage), cache: Context.get(context, CachedStorage.StorageCache) }
  })

const other = "other" as typeof ns

/** Reads of the feed only when the test says so (`followFeed`), and no stale guard in the way. */
const manual: CachedStorage.CoherenceOptions = { ...coherence, intervalMs: 3_600_000, maxStalenessMs: 7_200_000 }

describe("change feed", () => {
  it.scoped("every kind of write appends its keys and new versions; a failed or refused write appends nothing", () =>
    Effect.gen(function* () {
      const db = yield* Database.Database
      const { storage } = yield* replica(db)
      yield* storage.upsertEpisode(ns, episode({ episode_id: "e1" }))
      yield* storage.upsertEpisode(ns, episode({ episode_id: "e1" }))
      yield* storage.upsertEpisodes(other, [episode({ episode_id: "e2" }), episode({ episode_id: "e3" })])
      yield* storage.upsertPattern(ns, pattern({ type: "error_recovery", pattern_id: "p1", error_type: "E" }))
      yield* storage.upsertHeuristic(ns, heuristic({ heuristic_id: "h1" }))
      yield* storage.upsertEmbedding(ns, { item_type: "episode", item_id: "e1", model: "m", vector: [1, 0] })
      // a conditional write at the wrong version is refused: nothing changed, nothing announced
      const refused = yield* Effect.flip(storage.upsertEpisode(ns, episode({ episode_id: "e1" }), { ifVersion: 7 }))
      expect(refused._tag).toBe("PreconditionFailed")
      yield* storage.deleteEpisode(ns, "e1") // its embedding goes with it, by trigger: announced too
      expect(yield* feed).toEqual([
        "default:episode:e1:1",
        "default:episode:e1:2",
        "other:episode:e2:1",
        "other:episode:e3:1",
        "default:pattern:p1:1",
        "default:heuristic:h1:1",
        "default:embedding:e1:1",
        "default:episode:e1:deleted",
        "default:embedding:e1:deleted"
      ])
      // A batch that fails after its first statement wrote (and announced) a record rolls both back.
      const failed = yield* Effect.either(
        db.batch(
          [
            {
              sql: `INSERT INTO patterns (namespace, pattern_id, pattern_type, success_rate, occurrence_count, payload,
                payload_bytes, created_at, updated_at) VALUES ('default', 'p9', 't', 0, 0, '{}', 2, 0, 0)`,
              args: []
            },
            { sql: "INSERT INTO patterns (namespace, pattern_id) VALUES ('default', 'p10')", args: [] }
          ],
          "write"
        )
      )
      expect(failed._tag).toBe("Left")
      expect((yield* feed).length).toBe(9)
      expect(yield* Effect.flip(storage.getPattern(ns, "p9"))).toBeInstanceOf(NotFound)
    }).pipe(Effect.provide(Database.layerTest))
  )

  it.scoped("a follower drops what another process changed: records (deletes too) and query results by kind", () =>
    Effect.gen(function* () {
      const db = yield* Database.Database
      const writer = yield* replica(db, manual)
      const reader = yield* replica(db, manual)
      yield* writer.storage.upsertEpisodes(ns, [episode({ episode_id: "a" }), episode({ episode_id: "b" })])
      yield* writer.storage.upsertPattern(ns, pattern({ type: "error_recovery", pattern_id: "p", error_type: "E" }))
      expect(yield* reader.cache.followFeed).toBe(3) // nothing cached yet: nothing dropped
      expect(reader.cache.coherence()!.feed_invalidations).toBe(0)
      const episodes = Schema.decodeUnknownSync(EpisodeQuery)({ limit: 10 })
      const patterns = Schema.decodeUnknownSync(PatternQuery)({ limit: 10 })
      // the reader caches both records and three query results
      expect((yield* reader.storage.getEpisode(ns, "a")).version).toBe(1)
      yield* reader.storage.getEpisode(ns, "b")
      yield* reader.storage.getPattern(ns, "p")
      yield* reader.storage.queryEpisodes(ns, episodes)
      yield* reader.storage.queryEpisodes(other, episodes)
      yield* reader.storage.listPatterns(ns, patterns)
      expect(yield* reader.cache.followFeed).toBe(0) // nothing new since

      yield* writer.storage.upsertEpisode(ns, episode({ episode_id: "a", task_description: "changed" }))
      yield* writer.storage.deleteEpisode(ns, "b")
      // before the reader follows, its caches still answer the old values
      expect((yield* reader.storage.getEpisode(ns, "a")).version).toBe(1)
      expect(yield* reader.cache.followFeed).toBe(2)
      const stats = reader.cache.coherence()!
      // a and b, and the cached episode query of the namespace (the other namespace's is kept)
      expect(stats).toMatchObject({ feed_entries: 5, feed_invalidations: 3, full_clears: 0, stale_bypasses: 0 })
      const before = reader.cache.stats()
      expect((yield* reader.storage.getEpisode(ns, "a")).version).toBe(2)
      expect(yield* Effect.flip(reader.storage.getEpisode(ns, "b"))).toBeInstanceOf(NotFound)
      yield* reader.storage.getPattern(ns, "p")
      yield* reader.storage.queryEpisodes(ns, episodes)
      yield* reader.storage.queryEpisodes(other, episodes)
      yield* reader.storage.listPatterns(ns, patterns)
      const after = reader.cache.stats()
      expect(after.episodes.misses - before.episodes.misses).toBe(2)
      expect(after.patterns.hits - before.patterns.hits).toBe(1)
      expect(after.queries.misses - before.queries.misses).toBe(1)
      expect(after.queries.hits - before.queries.hits).toBe(2)
      // the writer's own entry for "a" holds the announced version: its feed read keeps it
      expect(yield* writer.cache.followFeed).toBe(5)
      expect(writer.cache.peekEpisode(ns, "a")?.version).toBe(2)
    }).pipe(Effect.provide(Database.layerTest))
  )

  it.scoped("followed on its own every coherence_interval_ms (TestClock): one read per interval", () =>
    Effect.gen(function* () {
      const db = yield* Database.Database
      const writer = yield* replica(db)
      const reader = yield* replica(db, { ...coherence, intervalMs: 1000 })
      yield* writer.storage.upsertEpisode(ns, episode({ episode_id: "a" }))
      yield* reader.storage.getEpisode(ns, "a")
      yield* writer.storage.upsertEpisode(ns, episode({ episode_id: "a" }))
      yield* TestClock.adjust("999 millis")
      expect(reader.cache.coherence()!.feed_reads).toBe(0)
      expect((yield* reader.storage.getEpisode(ns, "a")).version).toBe(1)
      yield* TestClock.adjust("1 millis")
      expect(reader.cache.coherence()!.feed_reads).toBe(1)
      expect((yield* reader.storage.getEpisode(ns, "a")).version).toBe(2)
      yield* TestClock.adjust("3000 millis")
      expect(reader.cache.coherence()!.feed_reads).toBe(4)
      expect(writer.cache.coherence()!.feed_reads).toBe(16) // every 250 ms
    }).pipe(Effect.provide(Database.layerTest))
  )

  it.scoped("with boarding, its reads ride in the pings that go out: no read of its own within the interval", () =>
    Effect.gen(function* () {
      const db = yield* Database.Database
      const writer = yield* replica(db, manual)
      type Passenger = Parameters<CachedStorage.Boarding>[0]
      let passenger: Passenger | undefined
      const boarding: CachedStorage.Boarding = (p) => Effect.sync(() => (passenger = p))
      /** A ping going out now: what the passenger boards is sent in it, its results delivered. */
      const ping = Effect.gen(function* () {
        const statements = passenger!.board()
        if (statements === undefined) return false
        yield* passenger!.deliver(Option.some(yield* db.batch(statements, "read")))
        return true
      })
      const reader = yield* replica(db, { ...coherence, intervalMs: 1000, boarding })
      yield* writer.storage.upsertEpisode(ns, episode({ episode_id: "a" }))
      yield* reader.storage.getEpisode(ns, "a")
      yield* writer.storage.upsertEpisode(ns, episode({ episode_id: "a" }))
      // half an interval since the reader started: the ping carries its read, which applies the write
      yield* TestClock.adjust("500 millis")
      expect(yield* ping).toBe(true)
      expect(reader.cache.coherence()).toMatchObject({ feed_reads: 1, feed_reads_carried: 1, feed_invalidations: 1 })
      expect((yield* reader.storage.getEpisode(ns, "a")).version).toBe(2)
      // a ping right after carries nothing; the loop's turn at 1000 ms finds a read went out 500 ms ago: none
      expect(yield* ping).toBe(false)
      yield* TestClock.adjust("500 millis")
      expect(reader.cache.coherence()!.feed_reads).toBe(1)
      // pings every 750 ms (more often than the interval) carry every read; the loop never sends one of its own
      yield* TestClock.adjust("250 millis")
      for (let i = 0; i < 6; i++) {
        expect(yield* ping).toBe(true)
        yield* TestClock.adjust("750 millis")
      }
      expect(reader.cache.coherence()).toMatchObject({ feed_reads: 7, feed_reads_carried: 7, feed_read_failures: 0 })
      // without pings, the loop reads on its own an interval after the last carried read
      yield* TestClock.adjust("1000 millis")
      expect(reader.cache.coherence()).toMatchObject({ feed_reads: 8, feed_reads_carried: 7 })
    }).pipe(Effect.provide(Database.layerTest))
  )

  it.scoped("trimmed by count, and by age (TestClock), recording how far", () =>
    Effect.gen(function* () {
      const db = yield* Database.Database
      const { storage } = yield* replica(db, { ...manual, maxEntries: 4, trimIntervalMs: 60_000 })
      yield* storage.upsertEpisodes(
        ns,
        Array.from({ length: 10 }, (_, i) => episode({ episode_id: `e${i}` }))
      )
      expect((yield* feed).length).toBe(10)
      yield* TestClock.adjust("59 seconds")
      expect((yield* feed).length).toBe(10)
      yield* TestClock.adjust("1 second")
      expect(yield* feed).toEqual(["e6", "e7", "e8", "e9"].map((id) => `default:episode:${id}:1`))
      expect(yield* trimmedThrough).toBe(6)
      // by age, by the clock of the database that stamped the entries: e6 and e7 are 1 h old, retention is 10 min
      yield* db.execute({ sql: "UPDATE change_feed SET at = at - 3600000 WHERE id IN ('e6', 'e7')", args: [] })
      const aged = yield* replica(db, { ...manual, retentionMs: 600_000, trimIntervalMs: 60_000 })
      yield* TestClock.adjust("60 seconds")
      expect(yield* feed).toEqual(["e8", "e9"].map((id) => `default:episode:${id}:1`))
      expect(yield* trimmedThrough).toBe(8)
      expect(aged.cache.coherence()!.feed_trims).toBe(1)
    }).pipe(Effect.provide(Database.layerTest))
  )

  it.scoped("a follower behind what the feed still holds clears its caches, says so, and follows from there", () =>
    Effect.gen(function* () {
      const db = yield* Database.Database
      const writer = yield* replica(db, { ...manual, maxEntries: 2, trimIntervalMs: 600_000 })
      const reader = yield* replica(db, manual)
      yield* writer.storage.upsertEpisode(ns, episode({ episode_id: "kept" }))
      yield* reader.storage.getEpisode(ns, "kept")
      yield* reader.cache.followFeed
      yield* writer.storage.upsertEpisodes(
        ns,
        [1, 2, 3, 4, 5].map((i) => episode({ episode_id: `n${i}` }))
      )
      yield* TestClock.adjust("600 seconds") // the writer trims all but 2 entries
      expect(yield* trimmedThrough).toBe(4)
      expect(reader.cache.stats().episodes.entries).toBe(1)
      expect(yield* reader.cache.followFeed).toBe(2)
      expect(reader.cache.coherence()).toMatchObject({ full_clears: 1, feed_position: 6, feed_entries: 3 })
      expect(reader.cache.stats().episodes.entries).toBe(0)
      // caught up: the next read finds nothing and clears nothing
      expect(yield* reader.cache.followFeed).toBe(0)
      expect(reader.cache.coherence()!.full_clears).toBe(1)
    }).pipe(Effect.provide(Database.layerTest))
  )

  it.scoped("no cache hit while the feed cannot be read for max_staleness_ms: reads go to the database", () =>
    Effect.gen(function* () {
      const db = yield* Database.Database
      const writer = yield* replica(db)
      const partition = { open: true }
      const reader = yield* replica(db, coherence, partition)
      yield* writer.storage.upsertEpisode(ns, episode({ episode_id: "a" }))
      yield* TestClock.adjust("250 millis")
      yield* reader.storage.getEpisode(ns, "a")
      partition.open = false
      yield* writer.storage.upsertEpisode(ns, episode({ episode_id: "a" }))
      // within the bound, the cache answers (the old version: at most max_staleness_ms old)
      yield* TestClock.adjust("2000 millis")
      expect(reader.cache.coherence()).toMatchObject({ feed_read_failures: 8, feed_lag_ms: 2000 })
      expect(reader.cache.peekEpisode(ns, "a")?.version).toBe(1)
      expect((yield* reader.storage.getEpisode(ns, "a")).version).toBe(1)
      // past it: nothing from the cache, the database answers the current version
      yield* TestClock.adjust("1 millis")
      expect(reader.cache.peekEpisode(ns, "a")).toBeUndefined()
      const hits = reader.cache.stats().episodes.hits
      expect((yield* reader.storage.getEpisode(ns, "a")).version).toBe(2)
      expect((yield* reader.storage.getEpisodes(ns, ["a"])).found[0]?.version).toBe(2)
      expect(reader.cache.stats().episodes.hits).toBe(hits)
      expect(reader.cache.coherence()!.stale_bypasses).toBe(2)
      // the feed is back: its next read (at 2500 ms) applies the change, and the cache serves again
      partition.open = true
      yield* TestClock.adjust("250 millis")
      expect(reader.cache.coherence()).toMatchObject({ feed_invalidations: 1, feed_lag_ms: 1 })
      expect((yield* reader.storage.getEpisode(ns, "a")).version).toBe(2)
      expect((yield* reader.storage.getEpisode(ns, "a")).version).toBe(2)
      expect(reader.cache.stats().episodes.hits).toBe(hits + 1)
      expect(reader.cache.coherence()!.stale_bypasses).toBe(2)
    }).pipe(Effect.provide(Database.layerTest))
  )
})
