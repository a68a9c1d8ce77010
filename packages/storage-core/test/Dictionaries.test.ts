import { describe, expect, it } from "@effect/vitest"
import { Database } from "@memory-turso/pool"
import * as Effect from "effect/Effect"
import * as Storage from "../src/Storage.js"
import { dictionariesStored, dictionaryCount, process, storedRow } from "./support/dictionaries.js"
import { agentEpisode, at, ns } from "./support/fixtures.js"

/** The stored (canonical) JSON size of `agentEpisode(n)`. */
const json = (n: number) => Buffer.byteLength(Storage.EpisodeJson.stringify(agentEpisode(n)))

const on = { use_dictionary: true, dictionary_samples: 5, dictionary_bytes: 16 * 1024 }
const off = { use_dictionary: false }

describe("compression dictionaries kept in the database", () => {
  it.scopedLive("one is built in the background once dictionary_samples episodes are stored; later rows use it", () =>
    Effect.gen(function* () {
      const { storage, codec } = yield* process(on)
      yield* storage.upsertEpisodes(ns, [1, 2, 3, 4].map(agentEpisode))
      yield* Effect.sleep("20 millis")
      expect(yield* dictionaryCount).toBe(0)
      yield* storage.upsertEpisode(ns, agentEpisode(5)) // the fifth wakes the builder
      expect(yield* dictionariesStored(1)).toBe(1)
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

  it.scopedLive("another process reads rows written with a dictionary it has not seen: fetched once", () =>
    Effect.gen(function* () {
      const db = yield* Database.Database
      const reader = yield* process(off) // started before any dictionary exists
      const writer = yield* process({ ...on, dictionary_samples: 3 })
      yield* writer.storage.upsertEpisodes(ns, [1, 2, 3].map(agentEpisode))
      yield* dictionariesStored(1)
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

  it.scopedLive(
    "at start the newest stored dictionary is used; with use_dictionary off none is, rows stay readable",
    () =>
      Effect.gen(function* () {
        const first = yield* process(on)
        yield* first.storage.upsertEpisodes(ns, [1, 2, 3, 4, 5].map(agentEpisode)) // builds dictionary 1 after it
        yield* dictionariesStored(1)
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
        const without = yield* process(off)
        expect(yield* without.codec.stats).toMatchObject({ dictionary_id: 0, dictionaries: 0 })
        yield* without.storage.upsertEpisode(ns, agentEpisode(7))
        expect((yield* storedRow("ep-007")).dictionaryId).toBe(0)
        expect(yield* without.storage.getEpisode(ns, "ep-006")).toEqual(at(1, agentEpisode(6)))
        expect(yield* without.storage.getEpisode(ns, "ep-001")).toEqual(at(1, agentEpisode(1)))
        expect(yield* without.codec.stats).toMatchObject({ dictionary_id: 0, dictionaries: 1 })
      }).pipe(Effect.provide(Database.layerTest))
  )

  it.scopedLive("dictionary_bytes bounds its size and how many episodes are read; dictionary_samples caps them", () =>
    Effect.gen(function* () {
      const small = yield* process({ ...on, dictionary_samples: 2, dictionary_bytes: 4096 })
      yield* small.storage.upsertEpisodes(ns, [1, 2].map(agentEpisode)) // wakes the builder
      yield* dictionariesStored(1)
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
      const without = yield* process(off)
      expect(yield* Effect.flip(without.storage.buildDictionary)).toMatchObject({
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
