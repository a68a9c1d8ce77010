import { describe, expect, it } from "@effect/vitest"
import { EpisodeQuery, type EpisodeQueryInput } from "@memory-turso/model"
import { Database } from "@memory-turso/pool"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { decodeCursor } from "../src/internal/cursor.js"
import { queryEpisodes } from "../src/internal/episodeQuery.js"
import { chunkMatches, walkEpisodes } from "../src/internal/episodeWalk.js"
import * as Storage from "../src/Storage.js"
import { episode, ns, QuietLayer, TestLayer } from "./support/fixtures.js"

const query = (input: EpisodeQueryInput = {}) => Schema.decodeUnknownSync(EpisodeQuery)(input)

/** 600 episodes: tags from small vocabularies, two metadata keys, three domains, half completed. */
const seed = Effect.gen(function* () {
  const storage = yield* Storage.Storage
  yield* storage.upsertEpisodes(
    ns,
    Array.from({ length: 600 }, (_, i) =>
      episode({
        episode_id: `e${String(i).padStart(3, "0")}`,
        // ties on start time every 3 episodes, so the id breaks them
        start_time: new Date(1_700_000_000_000 + Math.floor(i / 3) * 1000).toISOString(),
        tags: [`a${i % 5}`, `b${i % 7}`],
        context: { domain: ["web", "cli", "data"][i % 3]!, tags: [`c${i % 11}`] },
        metadata: { team: `t${i % 4}`, run: `r${i % 9}` },
        ...(i % 2 === 0 ? { end_time: "2030-01-01T00:00:00Z", outcome: { type: "success", verdict: "ok" } } : {})
      })
    )
  )
})

/** The first `limit + 1` ids `queryEpisodes` ranks for a query (its single statement, an unlimited budget). */
const ranked = (input: EpisodeQueryInput) =>
  Effect.gen(function* () {
    const db = yield* Database.Database
    const q = query(input)
    const after = q.cursor === undefined ? undefined : yield* decodeCursor(ns, q.cursor)
    const result = yield* db.execute(queryEpisodes(ns, q, after, Number.MAX_SAFE_INTEGER))
    return result.rows.map((row) => String(row["id"]))
  })

/** A walk in chunks of 37 episodes that never gives up. */
const walked = (input: EpisodeQueryInput, options = { dense: 1, chunk: 37, maxChunks: 1000 }) =>
  Effect.gen(function* () {
    const db = yield* Database.Database
    const q = query(input)
    const after = q.cursor === undefined ? undefined : yield* decodeCursor(ns, q.cursor)
    return yield* walkEpisodes(db, ns, q, after, options)
  })

const cursorAt = (id: string, i: number) =>
  Buffer.from(JSON.stringify([1_700_000_000_000 + Math.floor(i / 3) * 1000, id, ns]), "utf8").toString("base64url")

describe("walking the episodes for filters with many matches", () => {
  it.scoped("finds exactly the page the match-driven statement finds, for every kind of filter", () =>
    Effect.gen(function* () {
      yield* seed
      const queries: Array<EpisodeQueryInput> = [
        { tags: ["a1"] },
        { tags: ["a1", "b2"], limit: 5 },
        { tags: ["a1", "b2", "c3"], tags_mode: "any", limit: 100 },
        { tags: ["a1", "nope"], tags_mode: "any", limit: 1000 },
        { tags: ["a1", "a2"] },
        { metadata: { team: "t1" }, limit: 30 },
        { metadata: { team: "t1", run: "r3" } },
        { tags: ["b3", "c4"], tags_mode: "any", metadata: { team: "t2" }, domain: "cli", limit: 7 },
        { tags: ["a0"], completed: true, from: "2023-11-14T22:15:00Z", to: "2023-11-14T22:20:00Z" },
        { tags: ["a0", "a1", "a2"], tags_mode: "any", limit: 20, cursor: cursorAt("e300", 300) },
        { tags: ["b1"], limit: 3, cursor: cursorAt("e301", 301) }
      ]
      for (const input of queries) {
        const expected = yield* ranked(input)
        const rows = yield* walked(input)
        expect(
          rows?.map((r) => r.id),
          JSON.stringify(input)
        ).toEqual(expected)
      }
    }).pipe(Effect.provide(TestLayer))
  )

  it.scoped("walks only when the side tables hold many matching rows, and gives up after maxChunks", () =>
    Effect.gen(function* () {
      yield* seed
      // a0 is on 120 episodes
      expect(yield* walked({ tags: ["a0"] }, { dense: 121, chunk: 37, maxChunks: 1000 })).toBeUndefined()
      expect(yield* walked({ tags: ["a0"] }, { dense: 120, chunk: 37, maxChunks: 1000 })).toHaveLength(51)
      // the 51 newest of a0 are among the 255 newest episodes: 7 chunks of 37
      expect(yield* walked({ tags: ["a0"] }, { dense: 1, chunk: 37, maxChunks: 6 })).toBeUndefined()
      expect(yield* walked({ tags: ["a0"] }, { dense: 1, chunk: 37, maxChunks: 7 })).toHaveLength(51)
      // the walk starts at the query's time range: up to 22:14:59 are e000-e299, whose 31 newest of a0 are among
      // their 155 newest: 5 chunks of 37 (from the newest episode of all it would take 13)
      const early = { tags: ["a0"], to: "2023-11-14T22:14:59Z", limit: 30 }
      expect((yield* walked(early, { dense: 1, chunk: 37, maxChunks: 5 }))?.map((r) => r.id)).toEqual(
        yield* ranked(early)
      )
    }).pipe(Effect.provide(TestLayer))
  )

  it.scoped("the event loop runs between chunks", () =>
    Effect.gen(function* () {
      yield* seed
      let ticks = 0
      let done = false
      const tick = () => {
        ticks++
        if (!done) setImmediate(tick)
      }
      setImmediate(tick)
      const rows = yield* walked({ tags: ["a0", "b0"], limit: 1000 }, { dense: 1, chunk: 50, maxChunks: 100 })
      done = true
      // both a0 and b0: every 35th of the 600 episodes, walked in 12 chunks of 50, a turn before each but the first
      expect(rows).toHaveLength(18)
      expect(ticks).toBeGreaterThanOrEqual(11)
    }).pipe(Effect.provide(TestLayer))
  )

  it.scoped("a chunk reads each episode's own tag and metadata rows, never one search per filter value", () =>
    Effect.gen(function* () {
      const db = yield* Database.Database
      const values = Array.from({ length: 64 }, (_, i) => `v${i}`)
      for (const input of [
        { tags: values, tags_mode: "any" as const },
        { tags: values },
        { metadata: Object.fromEntries(values.map((v) => [v, v])) }
      ]) {
        const statement = chunkMatches(ns, query(input), undefined, { key: 0, id: "" }, 10)
        const plan = yield* db.execute({ sql: `EXPLAIN QUERY PLAN ${statement.sql}`, args: statement.args })
        const steps = plan.rows.map((row) => String(row["detail"]))
        expect(steps[0], JSON.stringify(steps)).toMatch(
          /^SEARCH e USING (COVERING )?INDEX episodes_by_start \(namespace=\?/
        )
        const own = steps.filter((step) => /^SEARCH [gd] /.test(step))
        expect(own).toEqual([
          input.metadata === undefined
            ? "SEARCH g USING COVERING INDEX episode_tags_by_episode (namespace=? AND episode_id=?)"
            : "SEARCH d USING PRIMARY KEY (namespace=? AND episode_id=?)"
        ])
      }
    }).pipe(Effect.provide(TestLayer))
  )

  it.scoped("Storage walks a dense filter in a few statements and answers the same page", () =>
    Effect.gen(function* () {
      const storage = yield* Storage.Storage
      const db = yield* Database.Database
      yield* storage.upsertEpisodes(
        ns,
        Array.from({ length: 5000 }, (_, i) => episode({ episode_id: `d${i}`, tags: ["common", `x${i % 3}`] }))
      )
      const input = { tags: ["common", "x1"], limit: 20 }
      const before = (yield* db.stats).executes
      const page = yield* storage.queryEpisodes(ns, query(input))
      // count the side rows, find the chunk's end, its matches, their payloads
      expect((yield* db.stats).executes - before).toBe(4)
      expect(page.items.map((e) => e.episode_id)).toEqual((yield* ranked(input)).slice(0, 20))
      const next = yield* storage.queryEpisodes(ns, query({ ...input, cursor: page.next_cursor! }))
      expect(next.items.map((e) => e.episode_id)).toEqual(
        (yield* ranked({ ...input, cursor: page.next_cursor! })).slice(0, 20)
      )
    }).pipe(Effect.provide(QuietLayer))
  )
})
