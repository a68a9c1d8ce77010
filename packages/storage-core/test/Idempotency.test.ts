import { describe, expect, it } from "@effect/vitest"
import { Codec } from "@memory-turso/compression"
import { Database } from "@memory-turso/pool"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as TestClock from "effect/TestClock"
import * as TestServices from "effect/TestServices"
import * as Storage from "../src/Storage.js"
import { batchResult } from "../src/WriteOptions.js"
import { episode, ns, TestLayer } from "./support/fixtures.js"

const key = (k: string, fingerprint = "fp-1") => ({ idempotency: { key: k, fingerprint } })

const keyRows = Effect.flatMap(Database.Database, (db) =>
  Effect.map(db.execute({ sql: "SELECT count(*) AS n FROM idempotency_keys", args: [] }), (r) =>
    Number(r.rows[0]?.["n"])
  )
)

/** The rows each trimming DELETE removed, in order. */
const trimmed: Array<number> = []
const countingTrims = Layer.effect(
  Database.Database,
  Effect.map(Database.Database, (db) =>
    Database.Database.of({
      ...db,
      execute: (statement) =>
        Effect.tap(db.execute(statement), (result) =>
          Effect.sync(() => {
            if (statement.sql.startsWith("DELETE FROM idempotency_keys WHERE rowid")) trimmed.push(result.rowsAffected)
          })
        )
    })
  )
)

/** Storage with a one-hour window for idempotency keys, over a database that counts trims. */
const HourWindow = Storage.layer({ idempotencyWindow: "1 hour" }).pipe(
  Layer.provideMerge(Layer.merge(countingTrims.pipe(Layer.provideMerge(Database.layerTest)), Codec.layer()))
)

describe("idempotency keys", () => {
  it.scoped("a repeated create under a key writes nothing and carries the first result, byte for byte", () =>
    Effect.gen(function* () {
      const storage = yield* Storage.Storage
      // No id: each attempt generates a new one, as a retried POST without an id would.
      const first = yield* storage.upsertEpisode(ns, episode(), key("k1"))
      const repeat = yield* Effect.flip(storage.upsertEpisode(ns, episode(), key("k1")))
      expect(repeat._tag).toBe("IdempotencyKeyUsed")
      if (repeat._tag !== "IdempotencyKeyUsed") return
      expect(repeat.recorded).toEqual({ fingerprint: "fp-1", status: 200, body: Storage.EpisodeJson.stringify(first) })
      expect((yield* storage.counts(ns)).episodes).toBe(1)
      expect(yield* keyRows).toBe(1)
      // Another request under the key is refused the same way; its fingerprint tells them apart.
      const other = yield* Effect.flip(
        storage.upsertEpisode(ns, episode({ task_description: "other" }), key("k1", "fp-2"))
      )
      expect(other).toMatchObject({ _tag: "IdempotencyKeyUsed", recorded: { fingerprint: "fp-1" } })
      expect((yield* storage.counts(ns)).episodes).toBe(1)
      // Keys are per namespace, and another key writes.
      yield* storage.upsertEpisode("team-b" as typeof ns, episode(), key("k1"))
      yield* storage.upsertEpisode(ns, episode(), key("k2"))
      expect((yield* storage.counts(ns)).episodes).toBe(2)
    }).pipe(Effect.provide(TestLayer))
  )

  it.scoped("a batch under a key records {stored, ids}; repeated, it writes nothing", () =>
    Effect.gen(function* () {
      const storage = yield* Storage.Storage
      const stored = yield* storage.upsertEpisodes(ns, [episode(), episode()], key("b"))
      const repeat = yield* Effect.flip(storage.upsertEpisodes(ns, [episode(), episode()], key("b")))
      expect(repeat).toMatchObject({
        _tag: "IdempotencyKeyUsed",
        recorded: { status: 200, body: batchResult(stored.map((e) => e.episode_id)) }
      })
      expect(batchResult(["a", "b"])).toBe('{"stored":2,"ids":["a","b"]}')
      expect((yield* storage.counts(ns)).episodes).toBe(2)
    }).pipe(Effect.provide(TestLayer))
  )

  it.scoped("a write refused by its If-Match records no key: fixed, the same key then writes", () =>
    Effect.gen(function* () {
      const storage = yield* Storage.Storage
      yield* storage.upsertEpisode(ns, episode({ episode_id: "e" }))
      const refused = yield* Effect.flip(
        storage.upsertEpisode(ns, episode({ episode_id: "e" }), { ifVersion: 7, ...key("k") })
      )
      expect(refused._tag).toBe("PreconditionFailed")
      expect(yield* keyRows).toBe(0)
      const written = yield* storage.upsertEpisode(ns, episode({ episode_id: "e" }), { ifVersion: 1, ...key("k") })
      expect(written.version).toBe(2)
      expect(yield* keyRows).toBe(1)
    }).pipe(Effect.provide(TestLayer))
  )

  it.scoped(
    "keys expire after the window: the key then writes again, and the trimmer deletes expired keys in chunks",
    () =>
      Effect.gen(function* () {
        const storage = yield* Storage.Storage
        const db = yield* Database.Database
        yield* storage.upsertEpisode(ns, episode(), key("k"))
        yield* TestClock.adjust("59 minutes")
        expect((yield* Effect.flip(storage.upsertEpisode(ns, episode(), key("k"))))._tag).toBe("IdempotencyKeyUsed")
        yield* TestClock.adjust("2 minutes")
        // Past the window: a new write, recorded anew under the key.
        yield* storage.upsertEpisode(ns, episode(), key("k"))
        expect((yield* storage.counts(ns)).episodes).toBe(2)
        expect(yield* keyRows).toBe(1)

        // 1200 keys recorded two hours ago (the trimmer deletes 500 at a time).
        const now = yield* TestClock.currentTimeMillis
        yield* db.execute({
          sql: `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1200)
          INSERT INTO idempotency_keys (namespace, idem_key, fingerprint, status, body, created_at)
          SELECT 'default', 'old-' || i, 'fp', 200, '{}', ? FROM n`,
          args: [now - 2 * 3600_000]
        })
        expect(yield* keyRows).toBe(1201)
        trimmed.length = 0
        yield* TestClock.adjust("1 hour") // the trimmer runs every hour with a one-hour window
        // It runs on its own fiber, against a real database: wait for it (never more than ~5 s).
        for (let i = 0; i < 500 && (yield* keyRows) > 1; i++) yield* TestServices.provideLive(Effect.sleep("10 millis"))
        expect(trimmed).toEqual([500, 500, 200])
        expect(yield* keyRows).toBe(1) // "k", recorded less than an hour ago
      }).pipe(Effect.provide(HourWindow))
  )
})
