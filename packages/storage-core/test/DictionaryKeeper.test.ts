import { describe, expect, it } from "@effect/vitest"
import { Database } from "@memory-turso/pool"
import * as Effect from "effect/Effect"
import * as TestClock from "effect/TestClock"
import { SWEEP } from "../src/internal/dictionarySql.js"
import { dictionariesStored, dictionaryCount, process, storedRow } from "./support/dictionaries.js"
import { agentEpisode, at, episode, ns, pattern } from "./support/fixtures.js"

/** Dictionaries built only when asked, never swept in the background: each step of a test is explicit. */
const manual = {
  use_dictionary: true,
  dictionary_samples: 50,
  dictionary_bytes: 16 * 1024,
  dictionary_sweep_interval_secs: 0
}

/** An episode of pseudo-random text (a fixed seed): nothing like `agentEpisode`, and it compresses poorly. */
const noiseEpisode = (n: number) => {
  let seed = n * 2_654_435_761
  const text = Array.from({ length: 3000 }, () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648
    return "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[Math.floor(seed / 65_536) % 64]
  }).join("")
  return episode({ episode_id: `noise-${n}`, task_description: text, start_time: "2026-01-01T00:00:00.000Z" })
}

/** A pattern big enough to be compressed (with the dictionary, when there is one). */
const bigPattern = (id: string) =>
  pattern({
    type: "error_recovery",
    pattern_id: id,
    error_type: "test failure",
    recovery_steps: Array.from(
      { length: 60 },
      (_, i) => `cargo test --package memory-core -- episode::tests::case_${i}`
    )
  })

const sql = (statement: string, args: Array<number | string> = []) =>
  Effect.flatMap(Database.Database, (db) => db.execute({ sql: statement, args }))

/** Rows naming a dictionary that is not stored: unreadable rows; always 0. */
const orphans = Effect.map(
  sql(`SELECT count(*) AS n FROM episodes e WHERE e.dictionary_id IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM compression_dictionaries d WHERE d.dictionary_id = e.dictionary_id)`),
  (result) => Number(result.rows[0]!["n"])
)

/** A real wait on the live clock (the sweeper sleeps on the test clock, its statements run on the database). */
const settle = Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 5)))

describe("rows name their dictionary (migration 6)", () => {
  it.scoped("dictionary_id is computed from each row's envelope and indexed for the sweep", () =>
    Effect.gen(function* () {
      const a = yield* process(manual)
      yield* a.storage.upsertEpisodes(ns, [1, 2, 3].map(agentEpisode)) // no dictionary yet
      const built = yield* a.storage.buildDictionary
      yield* a.storage.upsertEpisodes(ns, [agentEpisode(4), episode({ episode_id: "small" })])
      yield* a.storage.upsertPattern(ns, bigPattern("p-1"))
      const rows = yield* sql("SELECT episode_id, dictionary_id FROM episodes ORDER BY episode_id")
      const named = Object.fromEntries(rows.rows.map((row) => [String(row["episode_id"]), row["dictionary_id"]]))
      expect((yield* storedRow("ep-001")).dictionaryId).toBe(0)
      expect((yield* storedRow("ep-004")).dictionaryId).toBe(built.dictionary_id)
      expect(named).toEqual({ "ep-001": null, "ep-002": null, "ep-003": null, "ep-004": 1, small: null })
      const patterns = yield* sql("SELECT dictionary_id FROM patterns")
      expect(patterns.rows[0]!["dictionary_id"]).toBe(1)
      const plan = yield* sql(`EXPLAIN QUERY PLAN ${SWEEP}`, [0, 16])
      const steps = plan.rows.map((row) => String(row["detail"]))
      for (const table of ["episodes", "patterns", "heuristics"]) {
        expect(steps).toContainEqual(expect.stringMatching(`USING (COVERING )?INDEX ${table}_by_dictionary`))
      }
    }).pipe(Effect.provide(Database.layerTest))
  )
})

describe("the dictionary sweep", () => {
  it.scoped("removes dictionaries no row uses; never the newest, the sweeper's current one, nor one a row uses", () =>
    Effect.gen(function* () {
      const a = yield* process(manual)
      yield* a.storage.upsertEpisodes(ns, [1, 2, 3].map(agentEpisode))
      yield* a.storage.buildDictionary // 1
      yield* a.storage.upsertEpisode(ns, agentEpisode(101)) // names 1
      yield* a.storage.upsertPattern(ns, bigPattern("p-1")) // names 1
      yield* a.storage.buildDictionary // 2
      yield* a.storage.buildDictionary // 3, newest and current: no row uses 2 nor 3
      expect(yield* a.storage.sweepDictionaries).toEqual([2])
      yield* a.storage.upsertEpisode(ns, agentEpisode(101)) // now names 3
      expect(yield* a.storage.sweepDictionaries).toEqual([]) // the pattern still uses 1
      yield* a.storage.deletePattern(ns, "p-1")
      // the check is the statement's own: the current one (`?1`) is kept even when nothing uses it
      yield* a.storage.deleteEpisode(ns, "ep-101")
      yield* a.storage.buildDictionary // 4
      expect((yield* sql(SWEEP, [3, 16])).rows.map((row) => row["dictionary_id"])).toEqual([1])
      expect(yield* a.storage.sweepDictionaries).toEqual([3])
      expect(yield* dictionaryCount).toBe(1) // the newest stays, used or not
      expect(yield* a.storage.dictionaryStats).toMatchObject({
        dictionaries_stored: 1,
        dictionary_builds: 4,
        dictionary_removals: 2
      })
    }).pipe(Effect.provide(Database.layerTest))
  )

  it.scoped("a writer still holding a dictionary another process removed is refused, then writes with the newest", () =>
    Effect.gen(function* () {
      const a = yield* process(manual)
      yield* a.storage.upsertEpisodes(ns, [1, 2, 3].map(agentEpisode))
      yield* a.storage.buildDictionary // 1
      const c = yield* process(manual) // writes with 1
      yield* a.storage.buildDictionary // 2: a writes with it, c still with 1
      // the writer first: its committed row keeps the dictionary
      yield* c.storage.upsertEpisode(ns, agentEpisode(104))
      expect((yield* storedRow("ep-104")).dictionaryId).toBe(1)
      expect(yield* a.storage.sweepDictionaries).toEqual([])
      // the sweep first: the writer's statement is refused in the database, and it encodes again with the newest
      yield* a.storage.deleteEpisode(ns, "ep-104")
      expect(yield* a.storage.sweepDictionaries).toEqual([1])
      yield* c.storage.upsertEpisode(ns, agentEpisode(105))
      yield* c.storage.upsertEpisodes(ns, [106, 107].map(agentEpisode))
      for (const id of ["ep-105", "ep-106", "ep-107"]) expect((yield* storedRow(id)).dictionaryId).toBe(2)
      expect(yield* c.codec.stats).toMatchObject({ dictionary_id: 2 })
      expect(yield* a.storage.getEpisode(ns, "ep-105")).toEqual(at(1, agentEpisode(105)))
      expect(yield* orphans).toBe(0)
    }).pipe(Effect.provide(Database.layerTest))
  )

  it.scoped("writers racing builds and sweeps: every row stays readable and names a stored dictionary", () =>
    Effect.gen(function* () {
      const a = yield* process(manual)
      yield* a.storage.upsertEpisodes(ns, [1, 2, 3].map(agentEpisode))
      yield* a.storage.buildDictionary
      const writers = yield* Effect.all([process(manual), process(manual)])
      const ids = Array.from({ length: 40 }, (_, i) => 200 + i)
      const writes = Effect.forEach(ids, (n) => writers[n % 2]!.storage.upsertEpisode(ns, agentEpisode(n)), {
        concurrency: 4
      })
      const churn = Effect.forEach(Array.from({ length: 8 }), () =>
        Effect.zipRight(a.storage.buildDictionary, a.storage.sweepDictionaries)
      )
      yield* Effect.all([writes, churn], { concurrency: 2 })
      expect(yield* orphans).toBe(0)
      const fresh = yield* process(manual)
      const read = yield* fresh.storage.getEpisodes(
        ns,
        ids.map((n) => agentEpisode(n).episode_id)
      )
      expect(read.found).toEqual(ids.map((n) => at(1, agentEpisode(n))))
    }).pipe(Effect.provide(Database.layerTest))
  )

  it.scoped("dictionary_sweep_interval_secs: the background sweep runs at that interval; 0 never", () =>
    Effect.gen(function* () {
      /** Two dictionaries, the older used by no row. */
      const oneUnused = (interval: number) =>
        Effect.gen(function* () {
          const a = yield* process({ ...manual, dictionary_sweep_interval_secs: interval })
          yield* a.storage.upsertEpisodes(ns, [1, 2, 3].map(agentEpisode))
          yield* a.storage.buildDictionary
          yield* a.storage.buildDictionary
          return a
        })
      const never = yield* oneUnused(0)
      yield* TestClock.adjust("7 days")
      for (let i = 0; i < 10; i++) yield* settle
      expect(yield* dictionaryCount).toBe(2)
      expect((yield* never.storage.dictionaryStats).dictionary_removals).toBe(0)
      const a = yield* oneUnused(60)
      yield* TestClock.adjust("59 seconds")
      for (let i = 0; i < 10; i++) yield* settle
      expect(yield* dictionaryCount).toBe(4)
      yield* TestClock.adjust("1 second")
      for (let i = 0; i < 200 && (yield* a.storage.dictionaryStats).dictionary_removals < 2; i++) yield* settle
      // 1 and 3 are gone; 2 names the rows this process wrote at its start, 4 is the newest
      const left = yield* sql("SELECT dictionary_id FROM compression_dictionaries")
      expect(left.rows.map((row) => row["dictionary_id"])).toEqual([2, 4])
    }).pipe(Effect.provide(Database.layerTest))
  )
})

describe("rebuilding when the ratio drifts", () => {
  /** A process whose first dictionary is built from agent episodes, then writes `noise` episodes. */
  const drifted = (settings: { readonly drift: number; readonly window: number }, noise: number) =>
    Effect.gen(function* () {
      const a = yield* process({
        ...manual,
        dictionary_samples: 5,
        dictionary_rebuild_drift: settings.drift,
        dictionary_drift_window: settings.window
      })
      yield* a.storage.upsertEpisodes(
        ns,
        Array.from({ length: 10 }, (_, i) => agentEpisode(i + 1))
      )
      yield* dictionariesStored(1)
      for (let n = 0; n < noise; n++) yield* a.storage.upsertEpisode(ns, noiseEpisode(n))
      return a
    })

  it.scopedLive("past dictionary_rebuild_drift over dictionary_drift_window writes a new one is built", () =>
    Effect.gen(function* () {
      const a = yield* drifted({ drift: 0.05, window: 5 }, 5)
      expect(yield* dictionariesStored(2)).toBe(2)
      const stats = yield* a.storage.dictionaryStats
      expect(stats).toMatchObject({ dictionary_builds: 2, dictionary_rebuilds: 1 })
      expect(yield* a.codec.stats).toMatchObject({ dictionary_id: 2 })
      yield* a.storage.upsertEpisode(ns, noiseEpisode(99))
      expect((yield* storedRow("noise-99")).dictionaryId).toBe(2)
      expect(yield* a.storage.getEpisode(ns, "noise-0")).toEqual(at(1, noiseEpisode(0)))
    }).pipe(Effect.provide(Database.layerTest))
  )

  it.scopedLive("within the drift, or before the window is full, the dictionary stays", () =>
    Effect.gen(function* () {
      const tolerant = yield* drifted({ drift: 1, window: 5 }, 5)
      const measured = yield* tolerant.storage.dictionaryStats
      // the drift was measured (noise compresses far worse than the held-out agent episodes), and tolerated
      expect(measured.dictionary_recent_ratio).toBeGreaterThan(measured.dictionary_held_out_ratio + 0.05)
      expect(measured.dictionary_held_out_ratio).toBeGreaterThan(0)
      yield* Effect.sleep("50 millis")
      expect(yield* dictionaryCount).toBe(1)
      expect(measured.dictionary_rebuilds).toBe(0)
    }).pipe(Effect.provide(Database.layerTest))
  )

  it.scopedLive("a window larger than the writes so far judges nothing yet", () =>
    Effect.gen(function* () {
      const patient = yield* drifted({ drift: 0.05, window: 50 }, 5)
      yield* Effect.sleep("50 millis")
      expect(yield* dictionaryCount).toBe(1)
      expect((yield* patient.storage.dictionaryStats).dictionary_rebuilds).toBe(0)
    }).pipe(Effect.provide(Database.layerTest))
  )
})
