import { describe, expect, it } from "@effect/vitest"
import { SimilarityQuery } from "@memory-turso/model"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Storage from "../src/Storage.js"
import { episode, ns, pattern, patternVariants, TestLayer } from "./support/fixtures.js"

const search = Schema.decodeUnknownSync(SimilarityQuery)

describe("Storage embeddings", () => {
  it.scoped("stores float32 vectors of any dimension and reads them back", () =>
    Effect.gen(function* () {
      const storage = yield* Storage.Storage
      yield* storage.upsertEpisode(ns, episode({ episode_id: "e1" }))
      const vector = Array.from({ length: 1536 }, (_, i) => Math.fround(Math.sin(i) * 3.5))
      yield* storage.upsertEmbedding(ns, { item_type: "episode", item_id: "e1", model: "m", vector })
      expect((yield* storage.getEmbedding(ns, "episode", "e1")).vector).toEqual(vector)
      yield* storage.upsertEmbedding(ns, { item_type: "episode", item_id: "e1", model: "m2", vector: [0.1, 0.2] })
      const replaced = yield* storage.getEmbedding(ns, "episode", "e1")
      expect(replaced.model).toBe("m2")
      expect(replaced.vector).toEqual([Math.fround(0.1), Math.fround(0.2)])
    }).pipe(Effect.provide(TestLayer))
  )

  it.scoped("an embedding of an item that does not exist is NotFound and stores nothing", () =>
    Effect.gen(function* () {
      const storage = yield* Storage.Storage
      const error = yield* Effect.flip(
        storage.upsertEmbedding(ns, { item_type: "pattern", item_id: "ghost", model: "m", vector: [1] })
      )
      expect(error).toMatchObject({ _tag: "NotFound", entity: "pattern", id: "ghost" })
      expect((yield* storage.counts(ns)).embeddings).toBe(0)
    }).pipe(Effect.provide(TestLayer))
  )

  it.scoped("search ranks by cosine similarity, honours k, threshold, type, model and dimension", () =>
    Effect.gen(function* () {
      const storage = yield* Storage.Storage
      yield* storage.upsertEpisodes(
        ns,
        ["e1", "e2", "e3"].map((episode_id) => episode({ episode_id }))
      )
      yield* storage.upsertPattern(ns, pattern(patternVariants[0]!))
      const put = (item_type: "episode" | "pattern", item_id: string, vector: Array<number>, model = "m") =>
        storage.upsertEmbedding(ns, { item_type, item_id, model, vector })
      yield* put("episode", "e1", [1, 0, 0])
      yield* put("episode", "e2", [1, 1, 0])
      yield* put("episode", "e3", [-1, 0, 0], "other")
      yield* put("pattern", "p-seq", [0.9, 0.1, 0])
      const hits = (yield* storage.searchEmbeddings(ns, search({ vector: [1, 0, 0] }))).items
      expect(hits.map((h) => h.item_id)).toEqual(["e1", "p-seq", "e2", "e3"])
      expect(hits[0]!.similarity).toBeCloseTo(1, 6)
      expect(hits[2]!.similarity).toBeCloseTo(Math.SQRT1_2, 6)
      expect(hits[3]!.similarity).toBeCloseTo(-1, 6)
      expect(
        (yield* storage.searchEmbeddings(ns, search({ vector: [1, 0, 0], k: 2 }))).items.map((h) => h.item_id)
      ).toEqual(["e1", "p-seq"])
      const near = (yield* storage.searchEmbeddings(ns, search({ vector: [1, 0, 0], threshold: 0.9 }))).items
      expect(near.map((h) => h.item_id)).toEqual(["e1", "p-seq"])
      const episodes = (yield* storage.searchEmbeddings(
        ns,
        search({ vector: [1, 0, 0], item_type: "episode", model: "m" })
      )).items
      expect(episodes.map((h) => h.item_id)).toEqual(["e1", "e2"])
      expect((yield* storage.searchEmbeddings(ns, search({ vector: [1, 0] }))).items).toEqual([])
    }).pipe(Effect.provide(TestLayer))
  )

  it.scoped("deleting a pattern deletes its embedding; deleteEmbedding of a missing one is NotFound", () =>
    Effect.gen(function* () {
      const storage = yield* Storage.Storage
      yield* storage.upsertPattern(ns, pattern(patternVariants[1]!))
      yield* storage.upsertEmbedding(ns, { item_type: "pattern", item_id: "p-dec", model: "m", vector: [1, 2] })
      yield* storage.deletePattern(ns, "p-dec")
      expect((yield* storage.counts(ns)).embeddings).toBe(0)
      expect((yield* Effect.flip(storage.deleteEmbedding(ns, "pattern", "p-dec")))._tag).toBe("NotFound")
    }).pipe(Effect.provide(TestLayer))
  )

  it("rejects zero vectors, out-of-range numbers and empty vectors", () => {
    for (const vector of [[0, 0], [], [1e39], [Number.NaN]]) {
      expect(() => search({ vector })).toThrow()
    }
  })
})
