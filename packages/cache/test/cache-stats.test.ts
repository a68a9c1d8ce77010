import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import { CacheStats } from "../src/index.js"
import { makeCache } from "./support/helpers.js"

describe("CacheStats", () => {
  it.scoped("collects the statistics of registered caches by name", () =>
    Effect.gen(function* () {
      const registry = yield* CacheStats.CacheStats
      const episodes = yield* makeCache()
      const queries = yield* makeCache()
      yield* registry.register("episodes", episodes)
      yield* registry.register("queries", queries)
      yield* episodes.get("a", Effect.succeed("A"))
      yield* episodes.get("a", Effect.succeed("A"))
      const snapshot = yield* registry.snapshot
      expect(Object.keys(snapshot).sort()).toEqual(["episodes", "queries"])
      expect(snapshot.episodes).toMatchObject({ hits: 1, misses: 1, hit_rate: 0.5, entries: 1 })
      expect(registry.unsafeSnapshot().queries).toMatchObject({ hits: 0, entries: 0 })
    }).pipe(Effect.provide(CacheStats.layer))
  )

  it.scoped("names are unique while registered and free again when their scope closes", () =>
    Effect.gen(function* () {
      const registry = yield* CacheStats.CacheStats
      const cache = yield* makeCache()
      const scope = yield* Scope.make()
      yield* Scope.extend(registry.register("episodes", cache), scope)
      const error = yield* Effect.flip(registry.register("episodes", cache))
      expect(error).toMatchObject({ _tag: "DuplicateCacheName", name: "episodes" })
      expect(error.message).toBe('A cache named "episodes" is already registered')
      yield* Scope.close(scope, Exit.void)
      expect(registry.unsafeSnapshot()).toEqual({})
      yield* registry.register("episodes", cache)
      expect(Object.keys(registry.unsafeSnapshot())).toEqual(["episodes"])
    }).pipe(Effect.provide(CacheStats.layer))
  )
})
