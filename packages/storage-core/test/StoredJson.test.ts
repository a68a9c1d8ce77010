import { describe, expect, it } from "@effect/vitest"
import { Database } from "@memory-turso/pool"
import * as Effect from "effect/Effect"
import { afterEach, vi } from "vitest"
import * as Storage from "../src/Storage.js"
import { episode, heuristic, ns, pattern, patternVariants, TestLayer } from "./support/fixtures.js"

/** An episode well above the codec's 1 KiB threshold: stored compressed. */
const bigEpisode = (id: string) =>
  episode({
    episode_id: id,
    steps: Array.from({ length: 30 }, (_, i) => ({
      step_number: i + 1,
      timestamp: new Date(1_700_000_000_000 + i * 1000).toISOString(),
      tool: i % 2 === 0 ? "shell" : "editor",
      action: `run step ${i}: pnpm vitest run --project storage-core case_${i}`,
      result: { type: "success" as const, output: `case_${i} passed in ${i * 7} ms` },
      latency_ms: 100 + i
    }))
  })

const sql = (statement: string, args: Array<string> = []) =>
  Effect.flatMap(Database.Database, (db) => db.execute({ sql: statement, args }))

const text = (json: Storage.StoredJson) => Buffer.from(json.bytes).toString("utf8")

afterEach(() => {
  vi.restoreAllMocks()
})

describe("get*Json: a record's stored JSON as bytes", () => {
  it.scoped("the same bytes and version as the record's canonical JSON, compressed or plain, for every kind", () =>
    Effect.gen(function* () {
      const storage = yield* Storage.Storage
      yield* storage.upsertEpisodes(ns, [bigEpisode("big"), episode({ episode_id: "small" })])
      yield* storage.upsertEpisode(ns, bigEpisode("big")) // version 2
      const kinds = yield* sql("SELECT episode_id, typeof(payload) AS type FROM episodes ORDER BY episode_id")
      expect(kinds.rows.map((r) => [r["episode_id"], r["type"]])).toEqual([
        ["big", "blob"],
        ["small", "text"]
      ])
      for (const id of ["big", "small"]) {
        const json = yield* storage.getEpisodeJson(ns, id)
        const record = yield* storage.getEpisode(ns, id)
        expect(text(json)).toBe(Storage.EpisodeJson.stringify(record))
        expect(json.version).toBe(record.version)
      }
      expect((yield* storage.getEpisodeJson(ns, "big")).version).toBe(2)
      for (const variant of patternVariants) {
        const stored = yield* storage.upsertPattern(ns, pattern(variant))
        expect(text(yield* storage.getPatternJson(ns, stored.pattern_id))).toBe(Storage.PatternJson.stringify(stored))
      }
      const rule = yield* storage.upsertHeuristic(ns, heuristic({ heuristic_id: "h" }))
      expect(text(yield* storage.getHeuristicJson(ns, "h"))).toBe(Storage.HeuristicJson.stringify(rule))
      expect(yield* Effect.flip(storage.getEpisodeJson(ns, "absent"))).toMatchObject({ _tag: "NotFound", id: "absent" })
    }).pipe(Effect.provide(TestLayer))
  )

  it.scoped("a compressed payload naming its record is served without parsing; plain TEXT is parsed", () =>
    Effect.gen(function* () {
      const storage = yield* Storage.Storage
      yield* storage.upsertEpisodes(ns, [bigEpisode("big"), episode({ episode_id: "small" })])
      const parse = vi.spyOn(JSON, "parse")
      yield* storage.getEpisodeJson(ns, "big")
      expect(parse).toHaveBeenCalledTimes(0)
      yield* storage.getEpisodeJson(ns, "small")
      expect(parse).toHaveBeenCalledTimes(1)
    }).pipe(Effect.provide(TestLayer))
  )

  it.scoped("damaged rows are CorruptPayload, as for get: bad TEXT, a flipped compressed byte, another record's", () =>
    Effect.gen(function* () {
      const storage = yield* Storage.Storage
      yield* storage.upsertEpisodes(
        ns,
        ["a", "b", "c", "big", "flipped", "copied"].map((id) =>
          ["big", "flipped", "copied"].includes(id) ? bigEpisode(id) : episode({ episode_id: id })
        )
      )
      yield* sql("UPDATE episodes SET payload = ? WHERE episode_id = 'a'", ["{not json"])
      yield* sql("UPDATE episodes SET payload = ? WHERE episode_id = 'b'", ["[1,2,3]"])
      yield* sql("UPDATE episodes SET payload = ? WHERE episode_id = 'c'", [
        Storage.EpisodeJson.stringify(episode({ episode_id: "zzz" }))
      ])
      // one byte of the compressed frame changed (past the 24-byte header and its frame table)
      const blob = (yield* sql("SELECT payload FROM episodes WHERE episode_id = 'flipped'")).rows[0]!["payload"]
      const flipped = new Uint8Array(blob as ArrayBuffer)
      flipped[40] = flipped[40]! ^ 0xff
      yield* Effect.flatMap(Database.Database, (db) =>
        db.execute({ sql: "UPDATE episodes SET payload = ? WHERE episode_id = 'flipped'", args: [flipped] })
      )
      yield* sql(
        "UPDATE episodes SET payload = (SELECT payload FROM episodes WHERE episode_id = 'big') WHERE episode_id = 'copied'"
      )
      for (const id of ["a", "b", "c", "flipped", "copied"]) {
        const viaJson = yield* Effect.flip(storage.getEpisodeJson(ns, id))
        const viaGet = yield* Effect.flip(storage.getEpisode(ns, id))
        expect(viaJson).toMatchObject({ _tag: "CorruptPayload", entity: "episode", id })
        expect(viaJson.message).toBe(viaGet.message)
      }
      expect((yield* Effect.flip(storage.getEpisodeJson(ns, "copied"))).message).toContain("another record")
      expect(text(yield* storage.getEpisodeJson(ns, "big"))).toContain('"episode_id":"big"')
    }).pipe(Effect.provide(TestLayer))
  )
})
