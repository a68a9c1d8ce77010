import { describe, expect, it } from "@effect/vitest"
import { Database } from "@memory-turso/pool"
import * as Effect from "effect/Effect"
import * as Storage from "../src/Storage.js"
import { at, episode, ns, pattern, patternVariants, QuietLayer, TestLayer } from "./support/fixtures.js"

const delta = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function* () {
    const db = yield* Database.Database
    const before = yield* db.stats
    const result = yield* Effect.either(effect)
    const after = yield* db.stats
    return {
      result,
      batches: after.batches - before.batches,
      executes: after.executes - before.executes,
      transactions: after.transactions - before.transactions
    }
  })

describe("Storage batches", () => {
  it.scoped("a batch of N episodes is exactly one batch call, nothing else", () =>
    Effect.gen(function* () {
      const storage = yield* Storage.Storage
      const list = Array.from({ length: 250 }, (_, i) =>
        episode({ episode_id: `b${i}`, tags: ["t"], metadata: { i: `${i}` } })
      )
      const write = yield* delta(storage.upsertEpisodes(ns, list))
      expect(write).toMatchObject({ batches: 1, executes: 0, transactions: 0 })
      expect((yield* storage.counts(ns)).episodes).toBe(250)
      const read = yield* delta(storage.getEpisodes(ns, ["b3", "nope", "b1"]))
      expect(read).toMatchObject({ batches: 1, executes: 0, transactions: 0 })
      expect(read.result).toMatchObject({ _tag: "Right", right: { missing: ["nope"] } })
      if (read.result._tag === "Right") expect(read.result.right.found.map((e) => e.episode_id)).toEqual(["b3", "b1"])
    }).pipe(Effect.provide(QuietLayer))
  )

  it.scoped("a batch of patterns is one batch call; batch get returns every variant intact", () =>
    Effect.gen(function* () {
      const storage = yield* Storage.Storage
      const list = patternVariants.map(pattern)
      expect((yield* delta(storage.upsertPatterns(ns, list))).batches).toBe(1)
      const read = yield* storage.getPatterns(
        ns,
        list.map((p) => p.pattern_id)
      )
      expect(read.found).toEqual(list.map((p) => at(1, p)))
    }).pipe(Effect.provide(TestLayer))
  )

  it.scoped("a batch that fails in the database stores none of its episodes and keeps earlier data", () =>
    Effect.gen(function* () {
      const storage = yield* Storage.Storage
      const db = yield* Database.Database
      yield* storage.upsertEpisode(ns, episode({ episode_id: "kept", task_description: "before" }))
      yield* db.execute({
        sql: `CREATE TRIGGER poison BEFORE INSERT ON episodes WHEN NEW.episode_id = 'poison'
              BEGIN SELECT RAISE(ABORT, 'poisoned'); END`,
        args: []
      })
      const failed = yield* Effect.flip(
        storage.upsertEpisodes(ns, [
          episode({ episode_id: "kept", task_description: "after" }),
          episode({ episode_id: "new-1" }),
          episode({ episode_id: "poison" }),
          episode({ episode_id: "new-2" })
        ])
      )
      expect(failed._tag).toBe("DatabaseError")
      expect((yield* storage.counts(ns)).episodes).toBe(1)
      expect((yield* storage.getEpisode(ns, "kept")).task_description).toBe("before")
    }).pipe(Effect.provide(TestLayer))
  )
})
