import { describe, expect, it } from "@effect/vitest"
import { Codec } from "@memory-turso/compression"
import { EpisodeQuery, HeuristicQuery, PatternQuery } from "@memory-turso/model"
import { Database } from "@memory-turso/pool"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as CachedStorage from "../src/CachedStorage.js"
import * as Storage from "../src/Storage.js"
import { cacheOptions, episode, heuristic, ns, pattern } from "./support/fixtures.js"

const MiB = 1024 * 1024

/** Payload bytes the database handed to the process (a BLOB's length, a TEXT's UTF-8 length), counted by call. */
class PayloadMeter {
  calls: Array<number> = []
  rows = 0
  record(rows: ReadonlyArray<Database.Row>) {
    let bytes = 0
    for (const row of rows) {
      const payload = row["payload"]
      if (payload instanceof ArrayBuffer) bytes += payload.byteLength
      else if (typeof payload === "string") bytes += Buffer.byteLength(payload)
      if (payload !== undefined && payload !== null) this.rows++
    }
    this.calls.push(bytes)
  }
}

/** A fresh embedded database whose reads are metered, under Storage with `maxResponseBytes`. */
const meteredLayer = (meter: PayloadMeter, maxResponseBytes?: number) => {
  const metered = Layer.effect(
    Database.Database,
    Effect.map(Database.Database, (db) =>
      Database.Database.of({
        ...db,
        execute: (statement) => Effect.tap(db.execute(statement), (result) => meter.record(result.rows)),
        batch: (statements, mode) =>
          Effect.tap(db.batch(statements, mode), (results) => meter.record(results.flatMap((r) => r.rows)))
      })
    )
  ).pipe(Layer.provide(Database.layerTest))
  return Storage.layer(maxResponseBytes === undefined ? {} : { maxResponseBytes }).pipe(
    Layer.provideMerge(Layer.merge(metered, Codec.layer()))
  )
}

const episodeQuery = Schema.decodeUnknownSync(EpisodeQuery)
const jsonBytes = (items: ReadonlyArray<object>, json: { stringify: (a: never) => string }) =>
  items.reduce((sum, item) => sum + Buffer.byteLength(json.stringify(item as never)), 0)

/** Every page of an episode listing, following `next_cursor`. */
const walk = (storage: Storage.Storage["Type"], limit: number) =>
  Effect.gen(function* () {
    const pages: Array<Storage.Page<{ episode_id: string }>> = []
    let cursor: string | undefined
    do {
      const page = yield* storage.queryEpisodes(ns, episodeQuery({ limit, ...(cursor ? { cursor } : {}) }))
      pages.push(page)
      cursor = page.next_cursor ?? undefined
    } while (cursor !== undefined)
    return pages
  })

describe("response byte budget", () => {
  it.scoped(
    "18 episodes of 31 MiB text (compressed, start time far in the future): each page holds one, fetched alone",
    () => {
      const meter = new PayloadMeter()
      return Effect.gen(function* () {
        const storage = yield* Storage.Storage
        // Written below the API, so no request limit stops them: what an old database may hold.
        for (let i = 0; i < 18; i++) {
          yield* storage.upsertEpisode(
            ns,
            episode({
              episode_id: `huge-${String(i).padStart(2, "0")}`,
              start_time: `2999-01-01T00:00:${String(i).padStart(2, "0")}Z`,
              task_description: String.fromCharCode(97 + i).repeat(31 * MiB)
            })
          )
        }
        yield* storage.upsertEpisodes(
          ns,
          Array.from({ length: 30 }, (_, i) =>
            episode({ episode_id: `small-${i}`, start_time: "2024-01-01T00:00:00Z" })
          )
        )
        meter.calls = []
        meter.rows = 0
        const pages = yield* walk(storage, 50)
        // one huge episode per page, then the 30 small ones together
        expect(pages.map((page) => page.items.length)).toEqual([...Array(18).fill(1), 30])
        expect(pages.flatMap((page) => page.items.map((e) => e.episode_id))).toEqual([
          ...Array.from({ length: 18 }, (_, i) => `huge-${String(17 - i).padStart(2, "0")}`),
          ...Array.from({ length: 30 }, (_, i) => `small-${i}`)
            .sort()
            .reverse()
        ])
        // each page read one huge payload (compressed: well under 1 MiB) and nothing of the others
        expect(meter.calls).toHaveLength(19)
        expect(meter.rows).toBe(48)
        for (const bytes of meter.calls.slice(0, 18)) expect(bytes).toBeLessThan(MiB)
      }).pipe(Effect.provide(meteredLayer(meter)))
    },
    120_000
  )

  it.scoped(
    "maxResponseBytes: a listing stops at the budget with a cursor, and the walk sees every episode once",
    () => {
      const meter = new PayloadMeter()
      return Effect.gen(function* () {
        const storage = yield* Storage.Storage
        expect(storage.maxResponseBytes).toBe(10_000)
        const all = Array.from({ length: 40 }, (_, i) =>
          episode({
            episode_id: `e${String(i).padStart(2, "0")}`,
            start_time: `2024-01-01T00:00:${String(i).padStart(2, "0")}Z`,
            task_description: "x".repeat(1500)
          })
        )
        yield* storage.upsertEpisodes(ns, all)
        const one = Buffer.byteLength(Storage.EpisodeJson.stringify(all[0]!))
        expect(one).toBeGreaterThan(1000)
        const pages = yield* walk(storage, 1000)
        const perPage = Math.floor(10_000 / one)
        expect(pages.map((page) => page.items.length)).toEqual([
          ...Array(Math.floor(40 / perPage)).fill(perPage),
          ...(40 % perPage === 0 ? [] : [40 % perPage])
        ])
        for (const page of pages) expect(jsonBytes(page.items, Storage.EpisodeJson)).toBeLessThanOrEqual(10_000)
        expect(new Set(pages.flatMap((page) => page.items.map((e) => e.episode_id))).size).toBe(40)
        // payloads fetched: those served, none of the rows past the budget
        expect(meter.rows).toBe(40)
      }).pipe(Effect.provide(meteredLayer(meter, 10_000)))
    }
  )

  it.scoped("patterns and heuristics listings stop at the budget too", () =>
    Effect.gen(function* () {
      const storage = yield* Storage.Storage
      const long = "x".repeat(4000)
      yield* storage.upsertPatterns(
        ns,
        Array.from({ length: 10 }, (_, i) =>
          pattern({ type: "error_recovery", pattern_id: `p${i}`, error_type: long, recovery_steps: [] })
        )
      )
      yield* storage.upsertHeuristics(
        ns,
        Array.from({ length: 10 }, (_, i) => heuristic({ heuristic_id: `h${i}`, condition: long }))
      )
      const patterns = yield* storage.listPatterns(ns, Schema.decodeUnknownSync(PatternQuery)({}))
      const heuristics = yield* storage.listHeuristics(ns, Schema.decodeUnknownSync(HeuristicQuery)({}))
      expect(patterns.items).toHaveLength(2)
      expect(patterns.next_cursor).not.toBeNull()
      expect(heuristics.items).toHaveLength(2)
      expect(heuristics.next_cursor).not.toBeNull()
      const rest = yield* storage.listPatterns(
        ns,
        Schema.decodeUnknownSync(PatternQuery)({ cursor: patterns.next_cursor, limit: 2 })
      )
      expect(rest.items).toHaveLength(2)
    }).pipe(Effect.provide(meteredLayer(new PayloadMeter(), 10_000)))
  )

  it.scoped("a batch read stops at the budget in the order asked; the rest is unread, not missing", () => {
    const meter = new PayloadMeter()
    return Effect.gen(function* () {
      const storage = yield* Storage.Storage
      yield* storage.upsertEpisodes(
        ns,
        Array.from({ length: 10 }, (_, i) => episode({ episode_id: `e${i}`, task_description: "y".repeat(4000) }))
      )
      meter.rows = 0
      const ids = ["e9", "nope", "e1", "e9", "e2", "e3", "e4", "e5"]
      const first = yield* storage.getEpisodes(ns, ids)
      // two episodes of 4 KB fit in 10,000 bytes
      expect(first.found.map((e) => e.episode_id)).toEqual(["e9", "e1", "e9"])
      expect(first.missing).toEqual(["nope"])
      expect(first.unread).toEqual(["e2", "e3", "e4", "e5"])
      expect(meter.rows).toBe(2)
      const second = yield* storage.getEpisodes(ns, first.unread)
      expect(second.found.map((e) => e.episode_id)).toEqual(["e2", "e3"])
      expect(second.unread).toEqual(["e4", "e5"])
      // one record over the budget is served alone
      yield* storage.upsertEpisode(ns, episode({ episode_id: "big", task_description: "z".repeat(50_000) }))
      const big = yield* storage.getEpisodes(ns, ["big", "e1"])
      expect(big.found.map((e) => e.episode_id)).toEqual(["big"])
      expect(big.unread).toEqual(["e1"])
    }).pipe(Effect.provide(meteredLayer(meter, 10_000)))
  })

  it.scoped("through the cache, hits count against the budget in the order asked", () =>
    Effect.gen(function* () {
      const storage = yield* Storage.Storage
      yield* storage.upsertEpisodes(
        ns,
        Array.from({ length: 6 }, (_, i) => episode({ episode_id: `e${i}`, task_description: "y".repeat(4000) }))
      )
      for (const id of ["e0", "e1", "e2", "e3"]) yield* storage.getEpisode(ns, id)
      const result = yield* storage.getEpisodes(ns, ["e0", "e1", "e2", "e3", "e4", "nope"])
      expect(result.found.map((e) => e.episode_id)).toEqual(["e0", "e1"])
      expect(result.unread).toEqual(["e2", "e3", "e4", "nope"])
      expect(result.missing).toEqual([])
      const loads = yield* storage.getEpisodes(ns, ["e4", "e5", "nope"])
      expect(loads.found.map((e) => e.episode_id)).toEqual(["e4", "e5"])
      expect(loads.missing).toEqual(["nope"])
    }).pipe(
      Effect.provide(
        CachedStorage.layer(cacheOptions()).pipe(Layer.provideMerge(meteredLayer(new PayloadMeter(), 10_000)))
      )
    )
  )

  it.scoped("a page or batch of 300 documents is decoded in slices, the event loop running between them", () =>
    Effect.gen(function* () {
      const storage = yield* Storage.Storage
      const ids = Array.from({ length: 300 }, (_, i) => `e${String(i).padStart(3, "0")}`)
      yield* storage.upsertEpisodes(
        ns,
        ids.map((episode_id) => episode({ episode_id }))
      )
      /** How many turns of the event loop ran while `effect` did. */
      const turns = <A, E>(effect: Effect.Effect<A, E>) =>
        Effect.gen(function* () {
          let ticks = 0
          let done = false
          const tick = () => {
            ticks++
            if (!done) setImmediate(tick)
          }
          setImmediate(tick)
          const result = yield* Effect.ensuring(
            effect,
            Effect.sync(() => {
              done = true
            })
          )
          return { result, ticks }
        })
      // slices of 32 documents: at least nine turns within a page of 300
      const page = yield* turns(storage.queryEpisodes(ns, episodeQuery({ limit: 300 })))
      expect(page.result.items).toHaveLength(300)
      expect(page.ticks).toBeGreaterThanOrEqual(9)
      const batch = yield* turns(storage.getEpisodes(ns, ids))
      expect(batch.result.found).toHaveLength(300)
      expect(batch.ticks).toBeGreaterThanOrEqual(9)
    }).pipe(Effect.provide(meteredLayer(new PayloadMeter())))
  )

  it.effect("maxResponseBytes must be a positive integer", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(Layer.build(meteredLayer(new PayloadMeter(), 0)).pipe(Effect.scoped))
      expect(String(error)).toContain("maxResponseBytes 0 is not a positive integer")
    })
  )
})
