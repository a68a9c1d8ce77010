/** storage-core over the pooled Database, against the test server: one storage call = one HTTP request. */
import { describe, expect, it } from "@effect/vitest"
import { Codec } from "@memory-turso/compression"
import { Episode, DEFAULT_NAMESPACE as ns } from "@memory-turso/model"
import { ConnectionPool, Pool } from "@memory-turso/pool"
import { acquireTestServer } from "@memory-turso/testkit"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { Storage } from "../src/index.js"

const episode = (id: string) =>
  Schema.decodeUnknownSync(Episode)({ episode_id: id, task_description: `task ${id}`, tags: ["t"] })

describe("storage-core over the pool (remote, test server)", () => {
  it.scopedLive("upsertEpisodes of 10 episodes = 1 request; getEpisodes of 10 = 1 request; one socket", () =>
    Effect.gen(function* () {
      const server = yield* Effect.orDie(acquireTestServer())
      const layer = Storage.layer().pipe(
        Layer.provideMerge(Layer.merge(Pool.layer({ url: server.url }), Codec.layer()))
      )
      const context = yield* Effect.orDie(Layer.build(layer))
      const storage = Context.get(context, Storage.Storage)
      const pool = Context.get(context, ConnectionPool.ConnectionPool)
      server.resetStats()
      const list = Array.from({ length: 10 }, (_, i) => episode(`e${i}`))
      yield* storage.upsertEpisodes(ns, list)
      expect(server.stats().requests).toBe(1)
      const read = yield* storage.getEpisodes(
        ns,
        list.map((e) => e.episode_id)
      )
      expect(read.found).toHaveLength(10)
      expect(server.stats().requests).toBe(2)
      expect(server.stats()).toMatchObject({ sockets_accepted: 0, sockets_open: 1 })
      expect(yield* pool.stats).toMatchObject({ connections_created: 1, sockets_opened: 1, active: 0 })
    })
  )
})
