import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as TestClock from "effect/TestClock"
import { makeCache } from "./support/helpers.js"

/** Values "<n>:<text>": a higher n supersedes a lower one. */
const rank = (value: string) => Number(value.split(":")[0])
const byRank = { supersedes: (next: string, current: string) => rank(next) >= rank(current) }

describe("supersedes", () => {
  it.scoped("a set of a lower rank keeps the live entry; an equal or higher one replaces it", () =>
    Effect.gen(function* () {
      const cache = yield* makeCache(byRank)
      yield* cache.set("k", "3:new")
      yield* cache.set("k", "2:old")
      expect(yield* cache.getIfPresent("k")).toEqual(Option.some("3:new"))
      yield* cache.set("k", "3:same")
      expect(yield* cache.getIfPresent("k")).toEqual(Option.some("3:same"))
      yield* cache.set("k", "4:newer")
      expect(yield* cache.getIfPresent("k")).toEqual(Option.some("4:newer"))
      expect(cache.unsafeStats().entries).toBe(1)
    })
  )

  it.scoped("an expired or invalidated entry no longer orders anything", () =>
    Effect.gen(function* () {
      const cache = yield* makeCache(byRank)
      yield* cache.set("k", "5:a")
      yield* TestClock.adjust("101 seconds")
      yield* cache.set("k", "1:b")
      expect(yield* cache.getIfPresent("k")).toEqual(Option.some("1:b"))
      yield* cache.set("k", "9:c")
      yield* cache.invalidate("k")
      yield* cache.set("k", "2:d")
      expect(yield* cache.getIfPresent("k")).toEqual(Option.some("2:d"))
    })
  )

  it.scoped("a loaded value orders later sets like a set one", () =>
    Effect.gen(function* () {
      const cache = yield* makeCache(byRank)
      const loaded = yield* cache.get("other", Effect.succeed("1:x"))
      expect(loaded).toBe("1:x")
      yield* cache.set("other", "0:older")
      expect(yield* cache.getIfPresent("other")).toEqual(Option.some("1:x"))
    })
  )

  it.scoped("without supersedes every set replaces", () =>
    Effect.gen(function* () {
      const cache = yield* makeCache()
      yield* cache.set("k", "3:new")
      yield* cache.set("k", "2:old")
      expect(yield* cache.getIfPresent("k")).toEqual(Option.some("2:old"))
    })
  )
})
