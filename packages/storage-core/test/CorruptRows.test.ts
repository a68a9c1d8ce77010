import { describe, expect, it } from "@effect/vitest"
import { Database } from "@memory-turso/pool"
import * as Effect from "effect/Effect"
import * as Storage from "../src/Storage.js"
import { episode, ns, TestLayer } from "./support/fixtures.js"

/** Overwrites the stored payload of one episode. */
const damage = (id: string, payload: string) =>
  Effect.flatMap(Database.Database, (db) =>
    db.execute({ sql: "UPDATE episodes SET payload = ? WHERE episode_id = ?", args: [payload, id] })
  )

describe("damaged rows", () => {
  it.scoped("a payload that is not JSON, not an object, or another record's is CorruptPayload naming the record", () =>
    Effect.gen(function* () {
      const storage = yield* Storage.Storage
      yield* storage.upsertEpisodes(
        ns,
        ["a", "b", "c", "d"].map((episode_id) => episode({ episode_id }))
      )
      yield* damage("a", "{not json")
      yield* damage("b", "[1,2,3]")
      yield* damage("c", Storage.EpisodeJson.stringify(episode({ episode_id: "zzz" })))
      for (const id of ["a", "b", "c"]) {
        const error = yield* Effect.flip(storage.getEpisode(ns, id))
        expect(error).toMatchObject({ _tag: "CorruptPayload", entity: "episode", id })
      }
      expect((yield* storage.getEpisode(ns, "d")).episode_id).toBe("d")
      const batch = yield* Effect.flip(storage.getEpisodes(ns, ["d", "a"]))
      expect(batch._tag).toBe("CorruptPayload")
    }).pipe(Effect.provide(TestLayer))
  )
})
