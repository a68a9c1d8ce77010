import { describe, expect, it } from "@effect/vitest"
import type { Episode, Namespace } from "@memory-turso/model"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"
import * as Layer from "effect/Layer"
import * as CachedStorage from "../src/CachedStorage.js"
import * as Storage from "../src/Storage.js"
import { NotFound, OutcomeUnknown } from "../src/StorageError.js"
import { cacheOptions, episode, ns } from "./support/fixtures.js"

/**
 * An in-memory store whose calls take effect at once (a write commits, a read reads) and return only after `pause`
 * (a gate the test opens, or a few scheduler turns): the order in which callers see results is the test's.
 */
const makeStub = (pause: (what: string) => Effect.Effect<void>) => {
  const rows = new Map<string, Episode>()
  const counts = { reads: 0, writes: 0 }
  const put = (e: Episode) => {
    const stored = { ...e, version: (rows.get(e.episode_id)?.version ?? 0) + 1 }
    rows.set(e.episode_id, stored)
    counts.writes++
    return stored
  }
  const storage = {
    maxResponseBytes: 1 << 20,
    upsertEpisode: (_: Namespace, e: Episode) =>
      Effect.gen(function* () {
        const stored = put(e)
        yield* pause(`write ${e.task_description}`)
        if (e.task_description.startsWith("lost")) {
          return yield* new OutcomeUnknown({ entity: "episode", id: e.episode_id, reason: "reply lost" })
        }
        return stored
      }),
    upsertEpisodes: (_: Namespace, list: ReadonlyArray<Episode>) =>
      Effect.gen(function* () {
        const stored = list.map(put)
        yield* pause(`batch ${list[0]?.task_description}`)
        return stored
      }),
    deleteEpisode: (_: Namespace, id: string) =>
      Effect.gen(function* () {
        rows.delete(id)
        counts.writes++
        yield* pause(`delete ${id}`)
      }),
    getEpisode: (_: Namespace, id: string) =>
      Effect.gen(function* () {
        const row = rows.get(id)
        counts.reads++
        yield* pause(`read ${id}`)
        if (row === undefined) return yield* new NotFound({ entity: "episode", id })
        return row
      })
  } as unknown as Storage.Storage["Type"]
  return { rows, counts, layer: Layer.succeed(Storage.Storage, storage) }
}

/** Gates by name: a call waits until the test opens its gate. */
const gated = () => {
  const gates = new Map<string, Deferred.Deferred<void>>()
  const gate = (what: string) => {
    let g = gates.get(what)
    if (g === undefined) {
      g = Deferred.unsafeMake<void>(FiberId.none)
      gates.set(what, g)
    }
    return g
  }
  return {
    pause: (what: string) => Deferred.await(gate(what)),
    open: (what: string) => Deferred.succeed(gate(what), undefined)
  }
}

const provided = (layer: Layer.Layer<Storage.Storage>) =>
  CachedStorage.layer(cacheOptions()).pipe(Layer.provideMerge(layer))

const e = (task_description: string) => episode({ episode_id: "k", task_description })
const turn = Effect.yieldNow()

describe("write-through ordering", () => {
  it.scoped("a load that read an older version does not replace the newer written entry", () =>
    Effect.gen(function* () {
      const { open, pause } = gated()
      const stub = makeStub((what) => (what.startsWith("read") ? pause(what) : Effect.void))
      yield* Effect.gen(function* () {
        const storage = yield* Storage.Storage
        const cache = yield* CachedStorage.StorageCache
        // Written by another process: this one's cache does not know it.
        stub.rows.set("k", { ...e("old"), version: 1 })
        const reader = yield* Effect.fork(storage.getEpisode(ns, "k"))
        yield* turn
        const written = yield* storage.upsertEpisode(ns, e("new"))
        expect(written.version).toBe(2)
        yield* open("read k")
        expect((yield* Fiber.join(reader)).task_description).toBe("old")
        expect(cache.peekEpisode(ns, "k")?.version).toBe(2)
        const reads = stub.counts.reads
        expect((yield* storage.getEpisode(ns, "k")).task_description).toBe("new")
        expect(stub.counts.reads).toBe(reads)
      }).pipe(Effect.provide(provided(stub.layer)))
    })
  )

  it.scoped("of two writes, the one that committed last stays, whichever returns last", () =>
    Effect.gen(function* () {
      const { open, pause } = gated()
      const stub = makeStub(pause)
      yield* Effect.gen(function* () {
        const storage = yield* Storage.Storage
        const cache = yield* CachedStorage.StorageCache
        const w1 = yield* Effect.fork(storage.upsertEpisode(ns, e("a")))
        yield* turn
        const w2 = yield* Effect.fork(storage.upsertEpisodes(ns, [e("b")]))
        yield* turn
        // b committed v2 after a's v1; b's writer returns first.
        yield* open("batch b")
        yield* Fiber.join(w2)
        yield* open("write a")
        yield* Fiber.join(w1)
        expect(cache.peekEpisode(ns, "k")?.version).toBe(2)
        const reads = stub.counts.reads
        expect((yield* storage.getEpisode(ns, "k")).task_description).toBe("b")
        expect(stub.counts.reads).toBe(reads)
      }).pipe(Effect.provide(provided(stub.layer)))
    })
  )

  it.scoped("a write that overlapped a delete, or a write whose outcome is unknown, drops the entry", () =>
    Effect.gen(function* () {
      const { open, pause } = gated()
      const stub = makeStub(pause)
      yield* Effect.gen(function* () {
        const storage = yield* Storage.Storage
        const cache = yield* CachedStorage.StorageCache
        // The write commits v1, the delete removes it; the delete returns first, the write last.
        const w = yield* Effect.fork(storage.upsertEpisode(ns, e("a")))
        yield* turn
        const d = yield* Effect.fork(storage.deleteEpisode(ns, "k"))
        yield* turn
        yield* open("delete k")
        yield* Fiber.join(d)
        yield* open("write a")
        yield* Fiber.join(w)
        expect(cache.peekEpisode(ns, "k")).toBeUndefined()
        yield* open("read k")
        expect((yield* Effect.flip(storage.getEpisode(ns, "k")))._tag).toBe("NotFound")

        // Committed, but its reply was lost: nothing cached, the next read loads what was committed.
        yield* open("write b")
        yield* storage.upsertEpisode(ns, e("b"))
        expect(cache.peekEpisode(ns, "k")?.version).toBe(1)
        yield* open("write lost c")
        expect((yield* Effect.flip(storage.upsertEpisode(ns, e("lost c"))))._tag).toBe("OutcomeUnknown")
        expect(cache.peekEpisode(ns, "k")).toBeUndefined()
        expect(yield* storage.getEpisode(ns, "k")).toMatchObject({ task_description: "lost c", version: 2 })
      }).pipe(Effect.provide(provided(stub.layer)))
    })
  )

  it.scoped(
    "200 writers and 400 readers of 5 keys interleaved: no read sees a version older than one written before it started",
    () =>
      Effect.gen(function* () {
        // A fixed pseudo-random schedule: each call returns after 0-7 scheduler turns.
        let seed = 13
        // mulberry32
        const random = () => {
          seed = (seed + 0x6d2b79f5) | 0
          let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
          t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
          return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
        }
        const stub = makeStub(() => Effect.repeatN(turn, Math.floor(random() * 8)))
        yield* Effect.gen(function* () {
          const storage = yield* Storage.Storage
          const cache = yield* CachedStorage.StorageCache
          const keys = ["k0", "k1", "k2", "k3", "k4"]
          // The highest version each key's writers had returned, when a read started.
          const returned = new Map<string, number>()
          const stale: Array<string> = []
          const served: Array<number> = []
          // Each starts after 0-99 scheduler turns, so reads and writes of one key overlap in every order.
          const later = () => Effect.repeatN(turn, Math.floor(random() * 100))
          const writer = (i: number) =>
            Effect.gen(function* () {
              yield* later()
              const id = keys[i % keys.length]!
              const stored =
                i % 3 === 0
                  ? (yield* storage.upsertEpisodes(ns, [episode({ episode_id: id, task_description: `w${i}` })]))[0]!
                  : yield* storage.upsertEpisode(ns, episode({ episode_id: id, task_description: `w${i}` }))
              returned.set(id, Math.max(returned.get(id) ?? 0, stored.version ?? 0))
            })
          const reader = (i: number) =>
            Effect.gen(function* () {
              yield* later()
              const id = keys[i % keys.length]!
              const floor = returned.get(id) ?? 0
              const read = yield* Effect.either(storage.getEpisode(ns, id))
              if (read._tag === "Left") {
                if (floor > 0) stale.push(`${id}: not found after v${floor}`)
                return
              }
              served.push(read.right.version ?? 0)
              if ((read.right.version ?? 0) < floor) stale.push(`${id}: v${read.right.version} after v${floor}`)
            })
          const work = [
            ...Array.from({ length: 200 }, (_, i) => writer(i)),
            ...Array.from({ length: 400 }, (_, i) => reader(i))
          ]
          // Shuffled by the same schedule, all running at once.
          for (let i = work.length - 1; i > 0; i--) {
            const j = Math.floor(random() * (i + 1))
            ;[work[i], work[j]] = [work[j]!, work[i]!]
          }
          yield* Effect.all(work, { concurrency: "unbounded", discard: true })
          expect(stale).toEqual([])
          expect(served.length).toBeGreaterThan(300)
          // Every key ends at its last committed version, in the cache or loaded.
          for (const id of keys) {
            const peeked = cache.peekEpisode(ns, id)
            if (peeked !== undefined) expect(peeked.version).toBe(stub.rows.get(id)!.version)
            expect((yield* storage.getEpisode(ns, id)).version).toBe(stub.rows.get(id)!.version)
          }
          const stats = cache.stats().episodes
          // Most reads are answered by the cache: the writes went through.
          expect(stats.hits).toBeGreaterThan(stats.loads)
          console.log(
            `writes 200, reads ${served.length + 5}: hits ${stats.hits}, loads ${stats.loads}, database reads ${stub.counts.reads}`
          )
        }).pipe(Effect.provide(provided(stub.layer)))
      })
  )
})
