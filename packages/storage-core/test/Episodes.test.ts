import { describe, expect, it } from "@effect/vitest"
import { EpisodeQuery, type EpisodeQueryInput, Namespace } from "@memory-turso/model"
import { Database } from "@memory-turso/pool"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Storage from "../src/Storage.js"
import { at, episode, ns, TestLayer } from "./support/fixtures.js"

const query = (input: EpisodeQueryInput = {}) => Schema.decodeUnknownSync(EpisodeQuery)(input)
const ids = (page: Storage.Page<{ episode_id: string }>) => page.items.map((e) => e.episode_id)

describe("Storage episodes", () => {
  it.scoped("fills defaults: a UUIDv7 id, task type, context, start time, empty lists", () =>
    Effect.gen(function* () {
      const storage = yield* Storage.Storage
      const stored = yield* storage.upsertEpisode(ns, episode())
      expect(stored.episode_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
      expect(stored.task_type).toBe("other")
      expect(stored.context).toEqual({ complexity: "moderate", domain: "general", tags: [] })
      expect(Date.parse(stored.start_time)).not.toBeNaN()
      expect(yield* storage.getEpisode(ns, stored.episode_id)).toEqual(stored)
    }).pipe(Effect.provide(TestLayer))
  )

  it.scoped("an upsert replaces the document but never deletes the row (its embedding survives)", () =>
    Effect.gen(function* () {
      const storage = yield* Storage.Storage
      const db = yield* Database.Database
      yield* storage.upsertEpisode(ns, episode({ episode_id: "e1", tags: ["a"] }))
      yield* storage.upsertEmbedding(ns, { item_type: "episode", item_id: "e1", model: "m", vector: [1, 2, 3] })
      const created = yield* db.execute({ sql: "SELECT created_at, rowid FROM episodes", args: [] })
      const updated = episode({ episode_id: "e1", task_description: "second version", tags: ["b"] })
      yield* storage.upsertEpisode(ns, updated)
      expect(yield* storage.getEpisode(ns, "e1")).toEqual(at(2, updated))
      expect((yield* storage.getEmbedding(ns, "episode", "e1")).vector).toEqual([1, 2, 3])
      const after = yield* db.execute({ sql: "SELECT created_at, rowid FROM episodes", args: [] })
      expect(after.rows).toEqual(created.rows)
      const tags = yield* db.execute({ sql: "SELECT tag FROM episode_tags", args: [] })
      expect(tags.rows.map((r) => r["tag"])).toEqual(["b"])
    }).pipe(Effect.provide(TestLayer))
  )

  it.scoped(
    "a batch leaves the same tag and metadata rows as one write per episode (repeated ids: the last wins)",
    () =>
      Effect.gen(function* () {
        const storage = yield* Storage.Storage
        const db = yield* Database.Database
        const rows = (namespace: string) =>
          Effect.map(
            db.batch([
              {
                sql: "SELECT episode_id, tag FROM episode_tags WHERE namespace = ? ORDER BY episode_id, tag",
                args: [namespace]
              },
              {
                sql: "SELECT episode_id, key, value FROM episode_metadata WHERE namespace = ? ORDER BY episode_id, key",
                args: [namespace]
              }
            ]),
            (results) => results.map((result) => result.rows.map((row) => ({ ...row })))
          )
        const earlier = [
          episode({ episode_id: "a", tags: ["old"], metadata: { gone: "1" } }),
          episode({ episode_id: "b", tags: ["kept"], metadata: { kept: "1" } })
        ]
        const list = [
          episode({ episode_id: "a", tags: ["x", "y", "x"], context: { tags: ["y", "z"] }, metadata: { k: "v" } }),
          episode({ episode_id: "c" }),
          episode({ episode_id: "d", tags: ["first"], metadata: { first: "1", n: "2" } }),
          episode({ episode_id: "d", tags: ["second"], metadata: { second: "1" } }),
          episode({ episode_id: "e", tags: [], metadata: { only: "meta" } })
        ]
        const [one, many] = [Namespace.make("one"), Namespace.make("many")]
        yield* storage.upsertEpisodes(one, earlier)
        yield* storage.upsertEpisodes(many, earlier)
        for (const e of list) yield* storage.upsertEpisode(one, e)
        yield* storage.upsertEpisodes(many, list)
        const single = yield* rows(one)
        expect(yield* rows(many)).toEqual(single)
        expect(single[0]!.filter((row) => row["episode_id"] === "d")).toEqual([{ episode_id: "d", tag: "second" }])
        expect(single[0]!.length).toBe(5) // a: x y z, b: kept, d: second, e: none
        expect(single[1]!.length).toBe(4) // a: k, b: kept, d: second, e: only
      }).pipe(Effect.provide(TestLayer))
  )

  it.scoped("delete removes the episode with its tags, metadata and embedding; unknown ids are NotFound", () =>
    Effect.gen(function* () {
      const storage = yield* Storage.Storage
      const db = yield* Database.Database
      yield* storage.upsertEpisode(ns, episode({ episode_id: "e1", tags: ["a"], metadata: { k: "v" } }))
      yield* storage.upsertEmbedding(ns, { item_type: "episode", item_id: "e1", model: "m", vector: [1, 0] })
      yield* storage.deleteEpisode(ns, "e1")
      const left = yield* db.execute({
        sql: `SELECT (SELECT count(*) FROM episode_tags) + (SELECT count(*) FROM episode_metadata)
          + (SELECT count(*) FROM embeddings) + (SELECT count(*) FROM episodes) AS n`,
        args: []
      })
      expect(left.rows[0]?.["n"]).toBe(0)
      expect((yield* Effect.flip(storage.getEpisode(ns, "e1")))._tag).toBe("NotFound")
      expect((yield* Effect.flip(storage.deleteEpisode(ns, "e1")))._tag).toBe("NotFound")
    }).pipe(Effect.provide(TestLayer))
  )

  it.scoped("query filters: task type, domain, language, tags all/any, time range, metadata, completed", () =>
    Effect.gen(function* () {
      const storage = yield* Storage.Storage
      yield* storage.upsertEpisodes(ns, [
        episode({
          episode_id: "a",
          task_type: "debugging",
          start_time: "2024-01-01T00:00:00.000Z",
          context: { domain: "web", language: "rust", tags: ["ctx"] },
          tags: ["x", "y"],
          metadata: { team: "core" }
        }),
        episode({
          episode_id: "b",
          task_type: "testing",
          start_time: "2024-02-01T00:00:00.000Z",
          end_time: "2024-02-01T00:10:00.000Z",
          outcome: { type: "success", verdict: "ok" },
          context: { domain: "web", language: "typescript" },
          tags: ["x"],
          metadata: { team: "edge" }
        }),
        episode({ episode_id: "c", start_time: "2024-03-01T00:00:00.000Z", context: { domain: "cli" }, tags: ["y"] })
      ])
      const run = (input: EpisodeQueryInput) => storage.queryEpisodes(ns, query(input)).pipe(Effect.map(ids))
      expect(yield* run({})).toEqual(["c", "b", "a"])
      expect(yield* run({ task_type: "debugging" })).toEqual(["a"])
      expect(yield* run({ domain: "web" })).toEqual(["b", "a"])
      expect(yield* run({ language: "typescript" })).toEqual(["b"])
      expect(yield* run({ tags: ["x", "y"] })).toEqual(["a"])
      expect(yield* run({ tags: ["x", "y"], tags_mode: "any" })).toEqual(["c", "b", "a"])
      expect(yield* run({ tags: ["ctx"] })).toEqual(["a"])
      expect(yield* run({ from: "2024-01-15T00:00:00Z", to: "2024-03-01T00:00:00Z" })).toEqual(["c", "b"])
      expect(yield* run({ metadata: { team: "edge" } })).toEqual(["b"])
      expect(yield* run({ completed: true })).toEqual(["b"])
      expect(yield* run({ completed: false })).toEqual(["c", "a"])
      expect(yield* run({ domain: "web", tags: ["x"], metadata: { team: "core" } })).toEqual(["a"])
    }).pipe(Effect.provide(TestLayer))
  )

  it.scoped("pagination walks every episode once, newest first, ties broken by id", () =>
    Effect.gen(function* () {
      const storage = yield* Storage.Storage
      const all = Array.from({ length: 23 }, (_, i) =>
        episode({ episode_id: `e${String(i).padStart(2, "0")}`, start_time: `2024-01-0${1 + (i % 3)}T00:00:00Z` })
      )
      yield* storage.upsertEpisodes(ns, all)
      const seen: Array<string> = []
      let cursor: string | undefined
      let pages = 0
      do {
        const page = yield* storage.queryEpisodes(ns, query({ limit: 5, ...(cursor ? { cursor } : {}) }))
        seen.push(...ids(page))
        cursor = page.next_cursor ?? undefined
        pages++
      } while (cursor !== undefined)
      expect(pages).toBe(5)
      const expected = [...all]
        .sort((x, y) => y.start_time.localeCompare(x.start_time) || y.episode_id.localeCompare(x.episode_id))
        .map((e) => e.episode_id)
      expect(seen).toEqual(expected)
    }).pipe(Effect.provide(TestLayer))
  )

  it.scoped("a cursor the store did not issue is InvalidCursor", () =>
    Effect.gen(function* () {
      const storage = yield* Storage.Storage
      const error = yield* Effect.flip(storage.queryEpisodes(ns, query({ cursor: "not-a-cursor" })))
      expect(error._tag).toBe("InvalidCursor")
    }).pipe(Effect.provide(TestLayer))
  )

  it.scoped("filters on values holding NUL and % stay exact", () =>
    Effect.gen(function* () {
      const storage = yield* Storage.Storage
      yield* storage.upsertEpisodes(ns, [
        episode({
          episode_id: "nul",
          context: { domain: "a\u0000b" },
          tags: ["t\u0000"],
          metadata: { "k\u0000": "%00" }
        }),
        episode({ episode_id: "plain", context: { domain: "a" }, tags: ["t"], metadata: { k: "%00" } })
      ])
      const run = (input: EpisodeQueryInput) => storage.queryEpisodes(ns, query(input)).pipe(Effect.map(ids))
      expect(yield* run({ domain: "a\u0000b" })).toEqual(["nul"])
      expect(yield* run({ domain: "a" })).toEqual(["plain"])
      expect(yield* run({ tags: ["t\u0000"] })).toEqual(["nul"])
      expect(yield* run({ metadata: { "k\u0000": "%00" } })).toEqual(["nul"])
      expect(yield* run({ metadata: { k: "%00" } })).toEqual(["plain"])
      expect((yield* storage.getEpisode(ns, "nul")).context.domain).toBe("a\u0000b")
    }).pipe(Effect.provide(TestLayer))
  )
})
