import { Embedding, Identifier, ItemType, SimilarityQuery, Storage } from "@memory-turso/storage-core"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type { Hono } from "hono"
import { decode, readBody } from "../http/body.js"
import { type AppEnv, json, noContent, type Run } from "../http/respond.js"

const Target = Schema.Struct({ item_type: ItemType, item_id: Identifier })
const Body = Embedding.pipe(Schema.omit("item_type", "item_id"))

/** Embeddings: put, get and delete by item, and similarity search. */
export const mountEmbeddings = (app: Hono<AppEnv>, run: Run) => {
  const target = (c: { req: { param: (name: string) => string } }) =>
    decode(Target, { item_type: c.req.param("item_type"), item_id: c.req.param("item_id") })

  app.put("/embeddings/:item_type/:item_id", (c) =>
    run(
      c,
      Effect.gen(function* () {
        const { item_id, item_type } = yield* target(c)
        const body = yield* readBody(c, Body)
        const storage = yield* Storage.Storage
        const stored = yield* storage.upsertEmbedding({ item_type, item_id, ...body })
        return json(c, JSON.stringify(stored))
      })
    )
  )

  app.get("/embeddings/:item_type/:item_id", (c) =>
    run(
      c,
      Effect.gen(function* () {
        const { item_id, item_type } = yield* target(c)
        const storage = yield* Storage.Storage
        return json(c, JSON.stringify(yield* storage.getEmbedding(item_type, item_id)))
      })
    )
  )

  app.delete("/embeddings/:item_type/:item_id", (c) =>
    run(
      c,
      Effect.gen(function* () {
        const { item_id, item_type } = yield* target(c)
        const storage = yield* Storage.Storage
        yield* storage.deleteEmbedding(item_type, item_id)
        return noContent(c)
      })
    )
  )

  app.post("/embeddings/search", (c) =>
    run(
      c,
      Effect.gen(function* () {
        const query = yield* readBody(c, SimilarityQuery)
        const storage = yield* Storage.Storage
        return json(c, JSON.stringify({ matches: yield* storage.searchEmbeddings(query) }))
      })
    )
  )
}
