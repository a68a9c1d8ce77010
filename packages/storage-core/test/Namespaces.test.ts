import { describe, expect, it } from "@effect/vitest"
import { Codec } from "@memory-turso/compression"
import { EpisodeQuery, Namespace, SimilarityQuery } from "@memory-turso/model"
import { Database } from "@memory-turso/pool"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as CachedStorage from "../src/CachedStorage.js"
import * as Storage from "../src/Storage.js"
import { cacheOptions, episode, heuristic, pattern, TestLayer } from "./support/fixtures.js"

const a = Namespace.make("team-a")
const b = Namespace.make("team-b")
const query = Schema.decodeUnknownSync(EpisodeQuery)
const search = Schema.decodeUnknownSync(SimilarityQuery)

const CachedLayer = CachedStorage.layer(cacheOptions()).pipe(
  Layer.provideMerge(Storage.layer()),
  Layer.provideMerge(Layer.merge(Database.layerTest, Codec.layer()))
)

/** Writes the same ids with different content in both namespaces. */
/** The task description in a cached episode's bytes. */
const described = (record: CachedStorage.CachedRecord | undefined): string | undefined =>
  record === undefined ? undefined : JSON.parse(Buffer.from(record.bytes).toString("utf8")).task_description

const writeBoth = Effect.gen(function* () {
  const storage = yield* Storage.Storage
  for (const [ns, team] of [
    [a, "a"],
    [b, "b"]
  ] as const) {
    yield* storage.upsertEpisodes(ns, [
      episode({ episode_id: "e1", task_description: `${team} one`, tags: ["shared"], metadata: { team } }),
      episode({ episode_id: "e2", task_description: `${team} two`, tags: ["shared"], metadata: { team } })
    ])
    yield* storage.upsertPattern(ns, pattern({ type: "error_recovery", pattern_id: "p1", error_type: `E-${team}` }))
    yield* storage.upsertHeuristic(ns, heuristic({ heuristic_id: "h1", action: `${team} action` }))
    yield* storage.upsertEmbedding(ns, { item_type: "episode", item_id: "e1", model: "m", vector: [1, 0] })
  }
  // Only team-a has a third episode and a pattern embedding.
  yield* storage.upsertEpisode(a, episode({ episode_id: "e3", task_description: "a three", tags: ["shared"] }))
  yield* storage.upsertEmbedding(a, { item_type: "pattern", item_id: "p1", model: "m", vector: [0.9, 0.1] })
  return storage
})

describe("namespaces", () => {
  it("a namespace is an id-like name; Namespace.make refuses anything else", () => {
    expect(Namespace.make("team-a:agents.v2")).toBe("team-a:agents.v2")
    for (const bad of ["", "a b", "a/b", ".", "..", "x".repeat(129), "ünïcode", "*"]) {
      expect(() => Namespace.make(bad)).toThrow()
    }
  })

  const isolation = (name: string, layer: Layer.Layer<Storage.Storage | Database.Database, unknown>) =>
    it.scoped(`${name}: the same ids in two namespaces are two records on every path`, () =>
      Effect.gen(function* () {
        const storage = yield* writeBoth
        expect((yield* storage.getEpisode(a, "e1")).task_description).toBe("a one")
        expect((yield* storage.getEpisode(b, "e1")).task_description).toBe("b one")
        expect((yield* Effect.flip(storage.getEpisode(b, "e3")))._tag).toBe("NotFound")
        const many = yield* storage.getEpisodes(b, ["e1", "e2", "e3"])
        expect(many.found.map((e) => e.task_description)).toEqual(["b one", "b two"])
        expect(many.missing).toEqual(["e3"])
        // Listing with and without filters (tags and metadata are index rows of their own).
        const listed = (yield* storage.queryEpisodes(b, query({}))).items.map((e) => e.task_description)
        expect(listed.sort()).toEqual(["b one", "b two"])
        expect((yield* storage.queryEpisodes(a, query({ tags: ["shared"] }))).items).toHaveLength(3)
        expect((yield* storage.queryEpisodes(b, query({ tags: ["shared"], tags_mode: "any" }))).items).toHaveLength(2)
        expect((yield* storage.queryEpisodes(b, query({ metadata: { team: "a" } }))).items).toHaveLength(0)
        expect((yield* storage.queryEpisodes(a, query({ metadata: { team: "a" } }))).items).toHaveLength(2)
        expect((yield* storage.getPattern(b, "p1")).type === "error_recovery").toBe(true)
        expect(yield* storage.getPattern(a, "p1")).toMatchObject({ error_type: "E-a" })
        expect((yield* storage.getPatterns(b, ["p1"])).found).toMatchObject([{ error_type: "E-b" }])
        expect((yield* storage.listPatterns(b, { limit: 10 })).items).toMatchObject([{ error_type: "E-b" }])
        expect((yield* storage.getHeuristic(b, "h1")).action).toBe("b action")
        expect((yield* storage.listHeuristics(a, { limit: 10 })).items).toMatchObject([{ action: "a action" }])
        // Embeddings: an item of another namespace cannot be embedded; searches see their own namespace only.
        const foreign = yield* Effect.flip(
          storage.upsertEmbedding(b, { item_type: "episode", item_id: "e3", model: "m", vector: [1, 1] })
        )
        expect(foreign._tag).toBe("NotFound")
        expect((yield* storage.searchEmbeddings(b, search({ vector: [1, 0] }))).items).toMatchObject([
          { item_type: "episode", item_id: "e1" }
        ])
        expect((yield* storage.searchEmbeddings(a, search({ vector: [1, 0] }))).items.map((m) => m.item_id)).toEqual([
          "e1",
          "p1"
        ])
        expect(yield* storage.counts(a)).toEqual({ episodes: 3, patterns: 1, heuristics: 1, embeddings: 2 })
        expect(yield* storage.counts(b)).toEqual({ episodes: 2, patterns: 1, heuristics: 1, embeddings: 1 })
        // Deleting in one namespace leaves the other's record, its index rows and its embedding.
        yield* storage.deleteEpisode(a, "e1")
        expect((yield* storage.getEpisode(b, "e1")).task_description).toBe("b one")
        expect((yield* storage.getEmbedding(b, "episode", "e1")).model).toBe("m")
        expect((yield* Effect.flip(storage.getEmbedding(a, "episode", "e1")))._tag).toBe("NotFound")
        expect((yield* storage.queryEpisodes(b, query({ metadata: { team: "b" } }))).items).toHaveLength(2)
        expect((yield* Effect.flip(storage.deleteHeuristic(b, "h2")))._tag).toBe("NotFound")
        yield* storage.deletePattern(b, "p1")
        expect(yield* storage.getPattern(a, "p1")).toMatchObject({ error_type: "E-a" })
        expect((yield* storage.getEmbedding(a, "pattern", "p1")).model).toBe("m")
        const db = yield* Database.Database
        const rows = yield* db.execute({
          sql: `SELECT namespace, count(*) AS n FROM (SELECT namespace FROM episode_tags UNION ALL
            SELECT namespace FROM episode_metadata) GROUP BY namespace ORDER BY namespace`,
          args: []
        })
        // team-a: e2 and e3 tags + e2 metadata; team-b: e1 and e2 tags and metadata.
        expect(rows.rows.map((r) => [r["namespace"], r["n"]])).toEqual([
          ["team-a", 3],
          ["team-b", 4]
        ])
      }).pipe(Effect.provide(layer))
    )
  isolation("storage", TestLayer)
  isolation("cached storage", CachedLayer)

  it.scoped("a cursor issued in one namespace is refused in another", () =>
    Effect.gen(function* () {
      const storage = yield* writeBoth
      const page = yield* storage.queryEpisodes(a, query({ limit: 1 }))
      expect(page.next_cursor).not.toBeNull()
      const next = yield* storage.queryEpisodes(a, query({ limit: 1, cursor: page.next_cursor! }))
      expect(next.items).toHaveLength(1)
      const refused = yield* Effect.flip(storage.queryEpisodes(b, query({ limit: 1, cursor: page.next_cursor! })))
      expect(refused._tag).toBe("InvalidCursor")
      const patterns = yield* storage.listPatterns(a, { limit: 1 })
      expect(patterns.next_cursor).toBeNull()
    }).pipe(Effect.provide(TestLayer))
  )

  it.scoped("a cached record of one namespace is never served to another; writes clear their own namespace only", () =>
    Effect.gen(function* () {
      const storage = yield* writeBoth
      const cache = yield* CachedStorage.StorageCache
      // Each namespace's write went through to its own entry.
      expect(described(cache.peekEpisode(a, "e1"))).toBe("a one")
      expect(described(cache.peekEpisode(b, "e1"))).toBe("b one")
      expect((yield* storage.getEpisode(b, "e1")).task_description).toBe("b one")
      // Cached listings per namespace: a write in team-b leaves team-a's cached listing in place.
      yield* storage.queryEpisodes(a, query({}))
      yield* storage.queryEpisodes(b, query({}))
      const before = cache.stats().queries
      yield* storage.upsertEpisode(b, episode({ episode_id: "e9" }))
      expect(described(cache.peekEpisode(a, "e1"))).toBe("a one")
      yield* storage.queryEpisodes(a, query({}))
      expect(cache.stats().queries.hits).toBe(before.hits + 1)
      expect((yield* storage.queryEpisodes(b, query({}))).items).toHaveLength(3)
      expect(cache.stats().queries.misses).toBe(before.misses + 1)
    }).pipe(Effect.provide(CachedLayer))
  )
})
