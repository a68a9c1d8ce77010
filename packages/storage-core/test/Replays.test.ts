/**
 * Retries after a lost reply, against the test server: its `reset` fault with `after_execute` runs a request (the
 * write commits) and then destroys the socket, so the client never learns the outcome. Only what is safe is sent
 * again; the server's statement counter shows what was.
 */
import { describe, expect, it } from "@effect/vitest"
import { Codec } from "@memory-turso/compression"
import { DEFAULT_NAMESPACE as ns } from "@memory-turso/model"
import { Pool } from "@memory-turso/pool"
import { acquireTestServer, type TestServer } from "@memory-turso/testkit"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as CachedStorage from "../src/CachedStorage.js"
import * as DatabaseRetry from "../src/DatabaseRetry.js"
import * as Storage from "../src/Storage.js"
import { cacheOptions, episode } from "./support/fixtures.js"

const retry = { max_retries: 3, retry_base_delay_ms: 1, retry_max_delay_ms: 5 }

/** Storage over retries over the pool, against a fresh test server; with the caches, `cache` is theirs. */
const setUp = (cached = false) =>
  Effect.gen(function* () {
    const server = yield* Effect.orDie(acquireTestServer())
    const database = DatabaseRetry.layer(retry).pipe(Layer.provideMerge(Pool.layer({ url: server.url })))
    const base = yield* Effect.orDie(
      Layer.build(Storage.layer().pipe(Layer.provideMerge(Layer.merge(database, Codec.layer()))))
    )
    const caches = cached
      ? Option.some(
          yield* Layer.build(CachedStorage.layer(cacheOptions()).pipe(Layer.provide(Layer.succeedContext(base))))
        )
      : Option.none()
    return {
      server,
      storage: Option.match(caches, {
        onNone: () => Context.get(base, Storage.Storage),
        onSome: (context) => Context.get(context, Storage.Storage)
      }),
      retries: Context.get(base, DatabaseRetry.DatabaseRetry),
      cache: Option.map(caches, (context) => Context.get(context, CachedStorage.StorageCache))
    }
  })

/** Statements the server executed while `effect` ran, and its outcome. */
const executed = <A, E>(server: TestServer, effect: Effect.Effect<A, E>) =>
  Effect.gen(function* () {
    const before = server.stats().statements_executed
    const outcome = yield* Effect.either(effect)
    return { statements: server.stats().statements_executed - before, outcome }
  })

/** The next request runs, commits, and its reply is lost. */
const loseNextReply = (server: TestServer) =>
  Effect.promise(() => server.fault({ kind: "reset", count: 1, after_execute: true }))

describe("replays after a lost reply (test server)", () => {
  it.scopedLive("an unguarded write is sent once and fails as OutcomeUnknown, though it committed", () =>
    Effect.gen(function* () {
      const { retries, server, storage } = yield* setUp()
      yield* storage.upsertEpisode(ns, episode({ episode_id: "e", task_description: "v1" }))
      const normal = yield* executed(
        server,
        storage.upsertEpisode(ns, episode({ episode_id: "e", task_description: "v2" }))
      )
      expect(normal.outcome._tag).toBe("Right")
      yield* loseNextReply(server)
      const lost = yield* executed(
        server,
        storage.upsertEpisode(ns, episode({ episode_id: "e", task_description: "v3" }))
      )
      expect(lost.outcome._tag === "Left" && lost.outcome.left._tag).toBe("OutcomeUnknown")
      expect(lost.statements).toBe(normal.statements) // sent once, not replayed
      expect(retries.stats().retries).toBe(0)
      // It had committed: a replay would have written it a second time (version 4).
      expect(yield* storage.getEpisode(ns, "e")).toMatchObject({ task_description: "v3", version: 3 })
    })
  )

  it.scopedLive("a write guarded by its version is replayed: the replay finds it applied, once", () =>
    Effect.gen(function* () {
      const { retries, server, storage } = yield* setUp()
      yield* storage.upsertEpisode(ns, episode({ episode_id: "e", task_description: "v1", tags: ["a"] }))
      const normal = yield* executed(
        server,
        storage.upsertEpisode(ns, episode({ episode_id: "e", task_description: "v2", tags: ["a"] }), { ifVersion: 1 })
      )
      expect(normal.outcome).toMatchObject({ _tag: "Right", right: { version: 2 } })
      yield* loseNextReply(server)
      const lost = yield* executed(
        server,
        storage.upsertEpisode(ns, episode({ episode_id: "e", task_description: "v3", tags: ["a"] }), { ifVersion: 2 })
      )
      expect(lost.outcome).toMatchObject({ _tag: "Right", right: { version: 3, task_description: "v3" } })
      expect(retries.stats()).toMatchObject({ retries: 1, recovered: 1 })
      // Sent twice; the second run's guard held nothing (its index statements and update did nothing).
      expect(lost.statements).toBe(2 * normal.statements)
      expect(yield* storage.getEpisode(ns, "e")).toMatchObject({ task_description: "v3", version: 3 })
    })
  )

  it.scopedLive("a keyed create is replayed: the replay finds the key recorded, and no second record exists", () =>
    Effect.gen(function* () {
      const { server, storage } = yield* setUp()
      yield* loseNextReply(server)
      const idempotency = { key: "k", fingerprint: "fp" }
      const lost = yield* Effect.flip(storage.upsertEpisode(ns, episode(), { idempotency }))
      expect(lost._tag).toBe("IdempotencyKeyUsed")
      if (lost._tag !== "IdempotencyKeyUsed") return
      // What the first attempt recorded is this write's own result (the API answers with it).
      expect(lost.recorded.fingerprint).toBe("fp")
      const stored = yield* storage.queryEpisodes(ns, { tags: [], tags_mode: "all", metadata: {}, limit: 10 })
      expect(stored.items).toHaveLength(1)
      expect(lost.recorded.body).toBe(Storage.EpisodeJson.stringify(stored.items[0]!))
    })
  )

  it.scopedLive("a guarded delete is replayed and a replay that finds nothing succeeds; an unguarded one is not", () =>
    Effect.gen(function* () {
      const { retries, server, storage } = yield* setUp()
      yield* storage.upsertEpisodes(ns, [episode({ episode_id: "a" }), episode({ episode_id: "b" })])
      yield* loseNextReply(server)
      const guarded = yield* executed(server, storage.deleteEpisode(ns, "a", { ifVersion: 1 }))
      expect(guarded.outcome._tag).toBe("Right")
      expect(retries.stats().recovered).toBe(1)
      yield* loseNextReply(server)
      const unguarded = yield* executed(server, storage.deleteEpisode(ns, "b"))
      expect(unguarded.outcome._tag === "Left" && unguarded.outcome.left._tag).toBe("OutcomeUnknown")
      expect(retries.stats().retries).toBe(1) // the guarded delete's only
      expect((yield* storage.counts(ns)).episodes).toBe(0) // both had committed
    })
  )

  it.scopedLive("reads are replayed", () =>
    Effect.gen(function* () {
      const { retries, server, storage } = yield* setUp()
      yield* storage.upsertEpisode(ns, episode({ episode_id: "e" }))
      yield* loseNextReply(server)
      expect((yield* storage.getEpisode(ns, "e")).version).toBe(1)
      yield* loseNextReply(server)
      expect((yield* storage.getEpisodes(ns, ["e"])).found).toHaveLength(1)
      expect(retries.stats()).toMatchObject({ retries: 2, recovered: 2 })
    })
  )

  it.scopedLive("a write whose outcome is unknown leaves nothing stale in the cache", () =>
    Effect.gen(function* () {
      const { server, storage, ...stack } = yield* setUp(true)
      const cache = Option.getOrThrow(stack.cache)
      yield* storage.upsertEpisode(ns, episode({ episode_id: "e", task_description: "old" }))
      yield* storage.getEpisode(ns, "e") // cached
      expect((yield* storage.getEpisode(ns, "e")).task_description).toBe("old")
      const hits = cache.stats().episodes.hits
      yield* loseNextReply(server)
      const lost = yield* Effect.flip(storage.upsertEpisode(ns, episode({ episode_id: "e", task_description: "new" })))
      expect(lost._tag).toBe("OutcomeUnknown")
      const requests = server.stats().requests
      // The write had committed: the next read goes to the database and sees it.
      expect(yield* storage.getEpisode(ns, "e")).toMatchObject({ task_description: "new", version: 2 })
      expect(server.stats().requests - requests).toBe(1)
      expect(cache.stats().episodes.hits).toBe(hits)
    })
  )
})
