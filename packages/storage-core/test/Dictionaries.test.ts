import { describe, expect, it } from "@effect/vitest"
import { Codec, Envelope } from "@memory-turso/compression"
import { Database } from "@memory-turso/pool"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Storage from "../src/Storage.js"
import type * as StorageConfig from "../src/StorageConfig.js"
import { at, episode, ns } from "./support/fixtures.js"

/** Episodes alike in shape and vocabulary, different in detail: what an agent's memory looks like. */
const agentEpisode = (n: number) =>
  episode({
    episode_id: `ep-${String(n).padStart(3, "0")}`,
    task_description: `fix failing test case_${n} in memory-core (seen after commit ${(n * 7919).toString(16)})`,
    start_time: new Date(1_700_000_000_000 + n * 60_000).toISOString(),
    steps: Array.from({ length: 12 }, (_, i) => ({
      step_number: i + 1,
      timestamp: new Date(1_700_000_000_000 + n * 60_000 + i * 1000).toISOString(),
      tool: ["shell", "editor", "search"][(n + i) % 3]!,
      action: `run step ${i}: cargo test --package memory-core -- episode::tests::case_${n * 13 + i}`,
      parameters: { cwd: "/work/repo", argv: ["cargo", "test", `case_${n * 13 + i}`], attempt: (n + i) % 4 },
      result: {
        type: "success" as const,
        output: `test episode::tests::case_${n * 13 + i} ... ok\n${(n + i) % 9} passed; 0 failed; finished in ${(n * i) % 97}ms`
      },
      latency_ms: 100 + ((n * i) % 300)
    }))
  })

/** Storage with its own codec over the test's database: one process's view of it. */
const process = (compression: StorageConfig.CompressionPolicyInput) =>
  Effect.gen(function* () {
    const context = yield* Layer.build(Storage.layer({ compression }).pipe(Layer.provideMerge(Codec.layer())))
    return { storage: Context.get(context, Storage.Storage), codec: Context.get(context, Codec.Codec) }
  })

/** The stored (canonical) JSON size of `agentEpisode(n)`. */
const json = (n: number) => Buffer.byteLength(Storage.EpisodeJson.stringify(agentEpisode(n)))

const dictionaryCount = Effect.flatMap(Database.Database, (db) =>
  Effect.map(db.execute({ sql: "SELECT count(*) AS n FROM compression_dictionaries", args: [] }), (r) =>
    Number(r.rows[0]!["n"])
  )
)

/** The dictionary id in a stored row's envelope and its stored size. */
const storedRow = (id: string) =>
  Effect.flatMap(Database.Database, (db) =>
    Effect.map(db.execute({ sql: "SELECT payload FROM episodes WHERE episode_id = ?", args: [id] }), (r) => {
      const bytes = new Uint8Array(r.rows[0]!["payload"] as ArrayBuffer)
      const header = Envelope.readHeader(bytes)
      if (Either.isLeft(header)) throw new Error(`row ${id} is not an envelope`)
      return { dictionaryId: header.right.dictionaryId, size: bytes.length }
    })
  )

const on = { use_dictionary: true, dictionary_samples: 5, dictionary_bytes: 16 * 1024 }

describe("compression dictionaries kept in the database", () => {
  it.scoped("one is built when dictionary_samples episodes are stored; later rows use it and are smaller", () =>
    Effect.gen(function* () {
      const { storage, codec } = yield* process(on)
      yield* storage.upsertEpisodes(ns, [1, 2, 3, 4].map(agentEpisode))
      expect(yield* dictionaryCount).toBe(0)
      yield* storage.upsertEpisode(ns, agentEpisode(5)) // the fifth: built by this write
      expect(yield* dictionaryCount).toBe(1)
      expect(yield* codec.stats).toMatchObject({ dictionary_id: 1, dictionaries: 1 })
      yield* storage.upsertEpisode(ns, agentEpisode(6))
      const before = yield* storedRow("ep-004")
      const after = yield* storedRow("ep-006")
      expect(before.dictionaryId).toBe(0)
      expect(after.dictionaryId).toBe(1)
      expect(after.size).toBeLessThan(before.size * 0.7)
      expect(yield* storage.getEpisode(ns, "ep-006")).toEqual(at(1, agentEpisode(6)))
      expect(yield* storage.getEpisode(ns, "ep-004")).toEqual(at(1, agentEpisode(4)))
      // built once: more writes add no dictionary
      yield* storage.upsertEpisodes(ns, [7, 8, 9, 10, 11, 12].map(agentEpisode))
      expect(yield* dictionaryCount).toBe(1)
    }).pipe(Effect.provide(Database.layerTest))
  )

  it.scoped("another process reads rows written with a dictionary it has not seen: fetched once", () =>
    Effect.gen(function* () {
      const db = yield* Database.Database
      const reader = yield* process({}) // started before any dictionary exists; use_dictionary off
      const writer = yield* process({ ...on, dictionary_samples: 3 })
      yield* writer.storage.upsertEpisodes(ns, [1, 2, 3].map(agentEpisode))
      yield* writer.storage.upsertEpisode(ns, agentEpisode(4))
      expect((yield* storedRow("ep-004")).dictionaryId).toBe(1)
      const executes = Effect.map(db.stats, (s) => s.executes)
      const start = yield* executes
      expect(yield* reader.storage.getEpisode(ns, "ep-004")).toEqual(at(1, agentEpisode(4)))
      expect((yield* executes) - start).toBe(2) // the row, then the dictionary
      expect(yield* reader.storage.getEpisode(ns, "ep-004")).toEqual(at(1, agentEpisode(4)))
      expect((yield* executes) - start).toBe(3) // the row only
      expect(yield* reader.codec.stats).toMatchObject({ dictionary_id: 0, dictionaries: 1 })
    }).pipe(Effect.provide(Database.layerTest))
  )

  it.scoped("at start the newest stored dictionary is used; with use_dictionary off none is, rows stay readable", () =>
    Effect.gen(function* () {
      const first = yield* process(on)
      yield* first.storage.upsertEpisodes(ns, [1, 2, 3, 4, 5].map(agentEpisode)) // builds dictionary 1 after it
      yield* first.storage.upsertEpisode(ns, agentEpisode(8)) // written with dictionary 1
      const second = yield* first.storage.buildDictionary
      // the newest first (8, then 5, 4, ...) until 16 KiB is filled
      expect(json(8) + json(5) + json(4)).toBeLessThan(16 * 1024)
      expect(json(8) + json(5) + json(4) + json(3)).toBeGreaterThanOrEqual(16 * 1024)
      expect(second).toMatchObject({ dictionary_id: 2, samples: 4, bytes: 16 * 1024 })
      // only the newest is registered at start; older ones when a row needs them
      const restarted = yield* process(on)
      expect(yield* restarted.codec.stats).toMatchObject({ dictionary_id: 2, dictionaries: 1 })
      yield* restarted.storage.upsertEpisode(ns, agentEpisode(6))
      expect((yield* storedRow("ep-006")).dictionaryId).toBe(2)
      expect((yield* storedRow("ep-008")).dictionaryId).toBe(1)
      expect(yield* restarted.storage.getEpisode(ns, "ep-008")).toEqual(at(1, agentEpisode(8)))
      expect(yield* restarted.codec.stats).toMatchObject({ dictionary_id: 2, dictionaries: 2 })
      const off = yield* process({ use_dictionary: false })
      expect(yield* off.codec.stats).toMatchObject({ dictionary_id: 0, dictionaries: 0 })
      yield* off.storage.upsertEpisode(ns, agentEpisode(7))
      expect((yield* storedRow("ep-007")).dictionaryId).toBe(0)
      expect(yield* off.storage.getEpisode(ns, "ep-006")).toEqual(at(1, agentEpisode(6)))
      expect(yield* off.storage.getEpisode(ns, "ep-001")).toEqual(at(1, agentEpisode(1)))
      expect(yield* off.codec.stats).toMatchObject({ dictionary_id: 0, dictionaries: 1 })
    }).pipe(Effect.provide(Database.layerTest))
  )

  it.scoped("dictionary_bytes bounds its size and how many episodes are read; dictionary_samples caps them", () =>
    Effect.gen(function* () {
      const small = yield* process({ ...on, dictionary_samples: 2, dictionary_bytes: 4096 })
      yield* small.storage.upsertEpisodes(ns, [1, 2].map(agentEpisode)) // built here
      expect(json(2)).toBeGreaterThan(4096) // the newest episode alone fills it
      const db = yield* Database.Database
      const stored = yield* db.execute({
        sql: "SELECT samples, length(bytes) AS size FROM compression_dictionaries",
        args: []
      })
      expect(stored.rows[0]).toMatchObject({ samples: 1, size: 4096 })
      const wide = yield* process({ ...on, dictionary_samples: 3, dictionary_bytes: 128 * 1024 })
      // only two episodes exist: the dictionary is all of them, and no bigger
      expect(yield* wide.storage.buildDictionary).toMatchObject({ samples: 2, bytes: json(1) + json(2) })
      const capped = yield* process({ ...on, dictionary_samples: 1, dictionary_bytes: 128 * 1024 })
      expect(yield* capped.storage.buildDictionary).toMatchObject({ samples: 1, bytes: json(2) })
    }).pipe(Effect.provide(Database.layerTest))
  )

  it.scoped("buildDictionary is DictionaryUnavailable when use_dictionary is off or nothing readable is stored", () =>
    Effect.gen(function* () {
      const off = yield* process({})
      expect(yield* Effect.flip(off.storage.buildDictionary)).toMatchObject({
        _tag: "DictionaryUnavailable",
        reason: expect.stringContaining("use_dictionary is off")
      })
      const empty = yield* process(on)
      const error = yield* Effect.flip(empty.storage.buildDictionary)
      expect(error.message).toBe("no compression dictionary can be built: no episodes are stored yet")
      expect(yield* dictionaryCount).toBe(0)
      // damaged rows are no samples: built from the readable ones, or not at all
      const db = yield* Database.Database
      yield* empty.storage.upsertEpisodes(ns, [1, 2].map(agentEpisode))
      const damage = (id: string) =>
        db.execute({ sql: "UPDATE episodes SET payload = X'00' WHERE episode_id = ?", args: [id] })
      yield* damage("ep-001")
      expect(yield* empty.storage.buildDictionary).toMatchObject({ dictionary_id: 1, samples: 1 })
      yield* damage("ep-002")
      const unreadable = yield* Effect.flip(empty.storage.buildDictionary)
      expect(unreadable.message).toBe(
        "no compression dictionary can be built: none of the 2 most recent episodes is readable"
      )
    }).pipe(Effect.provide(Database.layerTest))
  )
})

describe("the compression policy", () => {
  it.scoped("a policy out of range fails the storage layer with the operator's message", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(process({ dictionary_bytes: 100 }))
      expect(String(error)).toContain("dictionary_bytes 100 is out of range (an integer 1024..131072)")
    }).pipe(Effect.provide(Database.layerTest))
  )
})
