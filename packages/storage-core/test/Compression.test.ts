import { describe, expect, it } from "@effect/vitest"
import { Codec } from "@memory-turso/compression"
import { Database } from "@memory-turso/pool"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Storage from "../src/Storage.js"
import { at, episode, ns, pattern } from "./support/fixtures.js"

/** A realistic step list: varied text, well above the 1 KiB threshold. */
const bigEpisode = (id: string) =>
  episode({
    episode_id: id,
    steps: Array.from({ length: 40 }, (_, i) => ({
      step_number: i + 1,
      timestamp: new Date(1_700_000_000_000 + i * 1000).toISOString(),
      tool: i % 2 === 0 ? "shell" : "editor",
      action: `run step ${i}: cargo test --package memory-core -- episode::tests::case_${i}`,
      parameters: { cwd: "/work/repo", argv: ["cargo", "test", `case_${i}`] },
      result: { type: "success" as const, output: `test episode::tests::case_${i} ... ok\n${i} passed; 0 failed` },
      latency_ms: 100 + i
    }))
  })

const rows = Effect.flatMap(Database.Database, (db) =>
  db.execute({
    sql: "SELECT episode_id, typeof(payload) AS type, length(payload) AS stored, payload_bytes FROM episodes ORDER BY episode_id",
    args: []
  })
)

describe("Storage with compression", () => {
  it.scoped("large payloads are stored as smaller BLOB envelopes, small ones as TEXT; both read back exactly", () =>
    Effect.gen(function* () {
      const storage = yield* Storage.Storage
      const big = bigEpisode("big")
      const small = episode({ episode_id: "small" })
      yield* storage.upsertEpisodes(ns, [big, small])
      const [bigRow, smallRow] = (yield* rows).rows
      expect(bigRow).toMatchObject({ type: "blob" })
      expect(Number(bigRow!["stored"])).toBeLessThan(Number(bigRow!["payload_bytes"]) * 0.5)
      expect(Number(bigRow!["payload_bytes"])).toBe(Buffer.byteLength(Storage.EpisodeJson.stringify(big)))
      expect(smallRow).toMatchObject({ type: "text" })
      expect(yield* storage.getEpisode(ns, "big")).toEqual(at(1, big))
      const page = yield* storage.queryEpisodes(ns, { tags: [], tags_mode: "all", metadata: {}, limit: 10 })
      expect(page.items.map((e) => e.episode_id).sort()).toEqual(["big", "small"])
      const codec = yield* Codec.Codec
      expect((yield* codec.stats).compressed).toBe(1)
    }).pipe(Effect.provide(Storage.layer().pipe(Layer.provideMerge(Layer.merge(Database.layerTest, Codec.layer())))))
  )

  it.scoped("turning compression off and on again never makes a row unreadable", () =>
    Effect.gen(function* () {
      const db = yield* Database.Database
      const phase = (enabled: boolean, write: ReadonlyArray<string>) =>
        Effect.gen(function* () {
          const storage = yield* Storage.Storage
          yield* storage.upsertEpisodes(ns, write.map(bigEpisode))
          const all = yield* storage.getEpisodes(ns, ["on-1", "off-1", "on-2"])
          return all.found.map((e) => e.episode_id)
        }).pipe(Effect.provide(Storage.layer().pipe(Layer.provide(Codec.layer({ config: { enabled } })))))
      yield* phase(true, ["on-1"])
      expect(yield* phase(false, ["off-1"])).toEqual(["on-1", "off-1"])
      expect(yield* phase(true, ["on-2"])).toEqual(["on-1", "off-1", "on-2"])
      const types = (yield* db.execute({
        sql: "SELECT episode_id, typeof(payload) AS t FROM episodes ORDER BY episode_id",
        args: []
      })).rows
      expect(types.map((r) => [r["episode_id"], r["t"]])).toEqual([
        ["off-1", "text"],
        ["on-1", "blob"],
        ["on-2", "blob"]
      ])
    }).pipe(Effect.provide(Database.layerTest))
  )

  it.scoped("a damaged envelope fails with CorruptPayload naming the record; the others stay readable", () =>
    Effect.gen(function* () {
      const storage = yield* Storage.Storage
      const db = yield* Database.Database
      yield* storage.upsertEpisodes(ns, [bigEpisode("hurt"), bigEpisode("fine")])
      yield* db.execute({
        sql: "UPDATE episodes SET payload = substr(payload, 1, length(payload) - 9) WHERE episode_id = 'hurt'",
        args: []
      })
      const error = yield* Effect.flip(storage.getEpisode(ns, "hurt"))
      expect(error).toMatchObject({ _tag: "CorruptPayload", entity: "episode", id: "hurt" })
      expect(error.message).toContain("hurt")
      expect((yield* storage.getEpisode(ns, "fine")).episode_id).toBe("fine")
    }).pipe(Effect.provide(Storage.layer().pipe(Layer.provideMerge(Layer.merge(Database.layerTest, Codec.layer())))))
  )

  it.scoped("compress_patterns false keeps patterns plain while episodes compress", () =>
    Effect.gen(function* () {
      const storage = yield* Storage.Storage
      const db = yield* Database.Database
      yield* storage.upsertEpisode(ns, bigEpisode("e"))
      yield* storage.upsertPattern(
        ns,
        pattern({
          type: "tool_sequence",
          pattern_id: "p",
          tools: ["grep", ...Array.from({ length: 200 }, (_, i) => `tool-${i % 7}`)]
        })
      )
      const types = yield* db.execute({
        sql: "SELECT (SELECT typeof(payload) FROM episodes) AS e, (SELECT typeof(payload) FROM patterns) AS p",
        args: []
      })
      expect(types.rows[0]).toMatchObject({ e: "blob", p: "text" })
    }).pipe(
      Effect.provide(
        Storage.layer({ compression: { compress_patterns: false } }).pipe(
          Layer.provideMerge(Layer.merge(Database.layerTest, Codec.layer()))
        )
      )
    )
  )
})
