import { describe, expect, it } from "@effect/vitest"
import { EpisodeQuery } from "@memory-turso/model"
import { Database } from "@memory-turso/pool"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Storage from "../src/Storage.js"
import { episode, heuristic, ns, pattern, TestLayer } from "./support/fixtures.js"

const byTag = (tag: string) => Schema.decodeUnknownSync(EpisodeQuery)({ tags: [tag] })

/** Every column of the episode's row and its tag rows: what a refused write must leave as it was. */
const snapshot = (id: string) =>
  Effect.gen(function* () {
    const db = yield* Database.Database
    const row = yield* db.execute({ sql: "SELECT * FROM episodes WHERE episode_id = ?", args: [id] })
    const tags = yield* db.execute({
      sql: "SELECT tag FROM episode_tags WHERE episode_id = ? ORDER BY tag",
      args: [id]
    })
    return { row: row.rows.map((r) => ({ ...r })), tags: tags.rows.map((r) => r["tag"]) }
  })

describe("record versions", () => {
  it.scoped("start at 1 and grow by one on each write, for every kind of record; reads return them", () =>
    Effect.gen(function* () {
      const storage = yield* Storage.Storage
      const versions: Array<number | undefined> = []
      for (let i = 0; i < 3; i++) {
        versions.push(
          (yield* storage.upsertEpisode(ns, episode({ episode_id: "e", task_description: `v${i}` }))).version
        )
      }
      expect(versions).toEqual([1, 2, 3])
      expect((yield* storage.getEpisode(ns, "e")).version).toBe(3)
      expect((yield* storage.getEpisodes(ns, ["e"])).found[0]?.version).toBe(3)
      expect((yield* storage.queryEpisodes(ns, byTag("x"))).items).toEqual([])
      expect((yield* storage.queryEpisodes(ns, Schema.decodeUnknownSync(EpisodeQuery)({}))).items[0]?.version).toBe(3)

      const p = pattern({ type: "error_recovery", pattern_id: "p", error_type: "ENOENT" })
      expect((yield* storage.upsertPattern(ns, p)).version).toBe(1)
      expect(
        (yield* storage.upsertPatterns(ns, [p, pattern({ ...p, pattern_id: "q" })])).map((x) => x.version)
      ).toEqual([2, 1])
      expect((yield* storage.getPattern(ns, "p")).version).toBe(2)
      expect((yield* storage.upsertHeuristic(ns, heuristic({ heuristic_id: "h" }))).version).toBe(1)
      expect((yield* storage.upsertHeuristic(ns, heuristic({ heuristic_id: "h" }))).version).toBe(2)
      expect((yield* storage.listHeuristics(ns, { limit: 10 })).items[0]?.version).toBe(2)

      const embedding = { item_type: "episode" as const, item_id: "e", model: "m", vector: [1, 0] }
      expect((yield* storage.upsertEmbedding(ns, embedding)).version).toBe(1)
      expect((yield* storage.upsertEmbedding(ns, { ...embedding, vector: [0, 1] })).version).toBe(2)
      expect((yield* storage.getEmbedding(ns, "episode", "e")).version).toBe(2)
    }).pipe(Effect.provide(TestLayer))
  )

  it.scoped("a version sent with a record is ignored: the store's own is kept, and never stored in the payload", () =>
    Effect.gen(function* () {
      const storage = yield* Storage.Storage
      const db = yield* Database.Database
      expect((yield* storage.upsertEpisode(ns, { ...episode({ episode_id: "e" }), version: 41 })).version).toBe(1)
      const payload = yield* db.execute({ sql: "SELECT payload FROM episodes WHERE episode_id = 'e'", args: [] })
      expect(String(payload.rows[0]?.["payload"])).not.toContain("version")
      expect(Storage.EpisodeJson.stringify(yield* storage.getEpisode(ns, "e"))).toMatch(/,"version":1}$/)
    }).pipe(Effect.provide(TestLayer))
  )
})

describe("conditional writes (ifVersion, HTTP If-Match)", () => {
  it.scoped("an update at the current version succeeds; at another version or on no record it changes nothing", () =>
    Effect.gen(function* () {
      const storage = yield* Storage.Storage
      yield* storage.upsertEpisode(ns, episode({ episode_id: "e", tags: ["one"] }))
      const v2 = yield* storage.upsertEpisode(ns, episode({ episode_id: "e", tags: ["two"] }), { ifVersion: 1 })
      expect(v2.version).toBe(2)
      const before = yield* snapshot("e")
      const stale = yield* Effect.flip(
        storage.upsertEpisode(ns, episode({ episode_id: "e", task_description: "stale", tags: ["three"] }), {
          ifVersion: 1
        })
      )
      expect(stale).toMatchObject({ _tag: "PreconditionFailed", expected: 1, actual: 2 })
      // Nothing changed: the row (payload, version, times) and its index rows.
      expect(yield* snapshot("e")).toEqual(before)
      expect((yield* storage.queryEpisodes(ns, byTag("three"))).items).toEqual([])
      expect((yield* storage.queryEpisodes(ns, byTag("two"))).items.map((e) => e.version)).toEqual([2])

      const absent = yield* Effect.flip(storage.upsertEpisode(ns, episode({ episode_id: "new" }), { ifVersion: 1 }))
      expect(absent).toMatchObject({ _tag: "PreconditionFailed", expected: 1, actual: undefined })
      expect((yield* storage.counts(ns)).episodes).toBe(1)

      yield* storage.upsertPattern(ns, pattern({ type: "error_recovery", pattern_id: "p", error_type: "x" }))
      const p = pattern({ type: "error_recovery", pattern_id: "p", error_type: "y" })
      expect((yield* Effect.flip(storage.upsertPattern(ns, p, { ifVersion: 2 })))._tag).toBe("PreconditionFailed")
      expect((yield* storage.upsertPattern(ns, p, { ifVersion: 1 })).version).toBe(2)
      expect(yield* storage.getPattern(ns, "p")).toMatchObject({ error_type: "y", version: 2 })
    }).pipe(Effect.provide(TestLayer))
  )

  it.scoped("a delete at the current version deletes; at another version, or of no record, it is refused", () =>
    Effect.gen(function* () {
      const storage = yield* Storage.Storage
      yield* storage.upsertHeuristic(ns, heuristic({ heuristic_id: "h" }))
      yield* storage.upsertHeuristic(ns, heuristic({ heuristic_id: "h" }))
      const refused = yield* Effect.flip(storage.deleteHeuristic(ns, "h", { ifVersion: 1 }))
      expect(refused).toMatchObject({ _tag: "PreconditionFailed", expected: 1, actual: 2 })
      expect((yield* storage.counts(ns)).heuristics).toBe(1)
      yield* storage.deleteHeuristic(ns, "h", { ifVersion: 2 })
      expect((yield* storage.counts(ns)).heuristics).toBe(0)
      const gone = yield* Effect.flip(storage.deleteHeuristic(ns, "h", { ifVersion: 2 }))
      expect(gone).toMatchObject({ _tag: "PreconditionFailed", actual: undefined })
      // Without a condition, a missing record is NotFound, as before.
      expect((yield* Effect.flip(storage.deleteHeuristic(ns, "h")))._tag).toBe("NotFound")
    }).pipe(Effect.provide(TestLayer))
  )

  it.scoped("embeddings: put and delete at a version", () =>
    Effect.gen(function* () {
      const storage = yield* Storage.Storage
      yield* storage.upsertEpisode(ns, episode({ episode_id: "e" }))
      const embedding = { item_type: "episode" as const, item_id: "e", model: "m", vector: [1, 0] }
      yield* storage.upsertEmbedding(ns, embedding)
      const stale = yield* Effect.flip(storage.upsertEmbedding(ns, { ...embedding, vector: [0, 1] }, { ifVersion: 2 }))
      expect(stale).toMatchObject({ _tag: "PreconditionFailed", expected: 2, actual: 1 })
      expect((yield* storage.getEmbedding(ns, "episode", "e")).vector).toEqual([1, 0])
      expect((yield* storage.upsertEmbedding(ns, { ...embedding, vector: [0, 1] }, { ifVersion: 1 })).version).toBe(2)
      expect((yield* Effect.flip(storage.deleteEmbedding(ns, "episode", "e", { ifVersion: 1 })))._tag).toBe(
        "PreconditionFailed"
      )
      yield* storage.deleteEmbedding(ns, "episode", "e", { ifVersion: 2 })
      expect((yield* storage.counts(ns)).embeddings).toBe(0)
    }).pipe(Effect.provide(TestLayer))
  )

  it.scoped("ten writers racing with the same expected version: exactly one wins", () =>
    Effect.gen(function* () {
      const storage = yield* Storage.Storage
      yield* storage.upsertEpisode(ns, episode({ episode_id: "e" }))
      const outcomes = yield* Effect.all(
        Array.from({ length: 10 }, (_, i) =>
          Effect.either(
            storage.upsertEpisode(ns, episode({ episode_id: "e", task_description: `writer ${i}` }), { ifVersion: 1 })
          )
        ),
        { concurrency: "unbounded" }
      )
      const won = outcomes.filter((o) => o._tag === "Right")
      expect(won).toHaveLength(1)
      expect(outcomes.filter((o) => o._tag === "Left" && o.left._tag === "PreconditionFailed")).toHaveLength(9)
      const stored = yield* storage.getEpisode(ns, "e")
      expect(stored.version).toBe(2)
      expect(won[0]?._tag === "Right" && won[0].right.task_description).toBe(stored.task_description)
    }).pipe(Effect.provide(TestLayer))
  )
})
