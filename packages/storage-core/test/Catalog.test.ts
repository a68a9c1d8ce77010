import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Storage from "../src/Storage.js"
import { at, heuristic, ns, pattern, patternVariants, TestLayer } from "./support/fixtures.js"

describe("Storage patterns and heuristics", () => {
  it.scoped("each pattern variant round-trips exactly, keeping its own fields", () =>
    Effect.gen(function* () {
      const storage = yield* Storage.Storage
      for (const input of patternVariants) {
        const stored = yield* storage.upsertPattern(ns, pattern(input))
        const read = yield* storage.getPattern(ns, stored.pattern_id)
        expect(read).toEqual(stored)
        expect(read.type).toBe(input.type)
        // The stored form read back, and the wire form of the input with its version: the same text.
        expect(Storage.PatternJson.stringify(read)).toBe(Storage.PatternJson.stringify(at(1, pattern(input))))
      }
    }).pipe(Effect.provide(TestLayer))
  )

  it.scoped("lists patterns newest first, by variant, with cursors; delete works once", () =>
    Effect.gen(function* () {
      const storage = yield* Storage.Storage
      for (const input of patternVariants) yield* storage.upsertPattern(ns, pattern(input))
      const all = yield* storage.listPatterns(ns, { limit: 3 })
      expect(all.items).toHaveLength(3)
      expect(all.next_cursor).not.toBeNull()
      const rest = yield* storage.listPatterns(ns, { limit: 3, cursor: all.next_cursor! })
      expect([...all.items, ...rest.items].map((p) => p.pattern_id).sort()).toEqual(
        patternVariants.map((p) => p.pattern_id).sort()
      )
      expect(rest.next_cursor).toBeNull()
      const recoveries = yield* storage.listPatterns(ns, { type: "error_recovery", limit: 10 })
      expect(recoveries.items.map((p) => p.type)).toEqual(["error_recovery"])
      yield* storage.deletePattern(ns, "p-err")
      expect((yield* Effect.flip(storage.deletePattern(ns, "p-err")))._tag).toBe("NotFound")
      expect((yield* storage.counts(ns)).patterns).toBe(3)
    }).pipe(Effect.provide(TestLayer))
  )

  it.scoped("heuristics upsert, get, batch get, list and delete", () =>
    Effect.gen(function* () {
      const storage = yield* Storage.Storage
      const h = heuristic({ heuristic_id: "h1", evidence: { episode_ids: ["e1"], success_rate: 0.75, sample_size: 4 } })
      yield* storage.upsertHeuristic(ns, h)
      yield* storage.upsertHeuristic(ns, heuristic({ heuristic_id: "h2" }))
      expect(yield* storage.getHeuristic(ns, "h1")).toEqual(at(1, h))
      const changed = heuristic({ heuristic_id: "h1", confidence: 0.9 })
      yield* storage.upsertHeuristic(ns, changed)
      expect(yield* storage.getHeuristic(ns, "h1")).toEqual(at(2, changed))
      const page = yield* storage.listHeuristics(ns, { limit: 10 })
      expect(page.items.map((x) => x.heuristic_id).sort()).toEqual(["h1", "h2"])
      const many = yield* storage.getHeuristics(ns, ["h2", "h9", "h1"])
      expect(many.found.map((x) => x.heuristic_id)).toEqual(["h2", "h1"])
      expect(many.missing).toEqual(["h9"])
      yield* storage.deleteHeuristic(ns, "h2")
      expect((yield* Effect.flip(storage.getHeuristic(ns, "h2")))._tag).toBe("NotFound")
    }).pipe(Effect.provide(TestLayer))
  )
})
