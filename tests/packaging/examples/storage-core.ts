import { Codec } from "@memory-turso/compression"
import { Episode, Namespace } from "@memory-turso/model"
import { Pool } from "@memory-turso/pool"
import { Storage } from "@memory-turso/storage-core"
import { Effect, Layer, Schema } from "effect"

const program = Effect.gen(function* () {
  const storage = yield* Storage.Storage
  const team = Namespace.make("team-a") // every operation on records takes its namespace first
  yield* storage.upsertEpisode(team, Schema.decodeUnknownSync(Episode)({ episode_id: "e1", task_description: "fix" }))
  const { task_description } = yield* storage.getEpisode(team, "e1")
  console.log(task_description, yield* storage.counts(team)) // => fix { episodes: 1, patterns: 0, heuristics: 0, embeddings: 0 }
})
const layers = Layer.merge(Pool.layer({ url: "file:memory.db" }), Codec.layer()) // Database (or keep-alive's) + Codec
await Effect.runPromise(program.pipe(Effect.provide(Storage.layer()), Effect.provide(layers)))
