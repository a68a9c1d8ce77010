import { Embedding, Identifier, ItemType, SearchResult, SimilarityQuery } from "@memory-turso/model"
import { Storage } from "@memory-turso/storage-core"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { decode } from "../http/body.js"
import { etagOf, readIfMatch } from "../http/preconditions.js"
import type { Routes } from "../http/Routes.js"
import { type AppContext, json, noContent, type Run } from "../http/respond.js"

const Target = Schema.Struct({ item_type: ItemType, item_id: Identifier })
const Body = Embedding.pipe(Schema.omit("item_type", "item_id")).annotations({ identifier: "EmbeddingInput" })
const DATABASE_ERRORS = ["database_unavailable", "pool_timeout", "database_error"] as const
const WRITE_ERRORS = [...DATABASE_ERRORS, "outcome_unknown"] as const

const path = "/embeddings/:item_type/:item_id"
const params = { item_type: ItemType, item_id: Identifier }
const tag = "embeddings"

/** Embeddings: put, get and delete by item, and similarity search, in the request's namespace. */
export const mountEmbeddings = (routes: Routes, run: Run) => {
  const target = (c: AppContext) =>
    decode(Target, { item_type: c.req.param("item_type"), item_id: c.req.param("item_id") })

  routes.add(
    {
      method: "PUT",
      path,
      tag,
      summary: "Store an item's embedding",
      description:
        "The episode or pattern must exist in the namespace (404 otherwise). Stored as float32. Returns it with its new `version` (also its `ETag`); with `If-Match`, only the embedding at that version is replaced (412 otherwise).",
      access: "write",
      namespaced: true,
      params,
      headers: ["If-Match"],
      body: Body,
      responses: { 200: { description: "The stored embedding", body: Embedding, etag: true } },
      errors: ["malformed_json", "validation_failed", "not_found", "precondition_failed", ...WRITE_ERRORS]
    },
    (c, { namespace }) =>
      run(
        c,
        Effect.gen(function* () {
          const { item_id, item_type } = yield* target(c)
          const ifVersion = yield* readIfMatch(c)
          const body = yield* routes.bodies.decode(c, Body)
          const storage = yield* Storage.Storage
          const stored = yield* storage.upsertEmbedding(namespace, { item_type, item_id, ...body }, { ifVersion })
          return json(c, JSON.stringify(stored), 200, etagOf(stored.version))
        })
      )
  )

  routes.add(
    {
      method: "GET",
      path,
      tag,
      summary: "Read an item's embedding",
      access: "read",
      namespaced: true,
      params,
      responses: { 200: { description: "The embedding", body: Embedding, etag: true } },
      errors: ["validation_failed", "not_found", ...DATABASE_ERRORS]
    },
    (c, { namespace }) =>
      run(
        c,
        Effect.gen(function* () {
          const { item_id, item_type } = yield* target(c)
          const storage = yield* Storage.Storage
          const embedding = yield* storage.getEmbedding(namespace, item_type, item_id)
          return json(c, JSON.stringify(embedding), 200, etagOf(embedding.version))
        })
      )
  )

  routes.add(
    {
      method: "DELETE",
      path,
      tag,
      summary: "Delete an item's embedding",
      description: "With `If-Match`, only at that version (412 otherwise, and nothing is deleted).",
      access: "write",
      namespaced: true,
      params,
      headers: ["If-Match"],
      responses: { 204: { description: "Deleted" } },
      errors: ["validation_failed", "not_found", "precondition_failed", ...WRITE_ERRORS]
    },
    (c, { namespace }) =>
      run(
        c,
        Effect.gen(function* () {
          const { item_id, item_type } = yield* target(c)
          const ifVersion = yield* readIfMatch(c)
          const storage = yield* Storage.Storage
          yield* storage.deleteEmbedding(namespace, item_type, item_id, { ifVersion })
          return noContent(c)
        })
      )
  )

  routes.add(
    {
      method: "POST",
      path: "/embeddings/search",
      tag,
      summary: "The k nearest embeddings by cosine similarity",
      description:
        "An exact scan over the namespace's vectors of the query's dimension (libSQL vector_distance_cos). A response cut short by its byte budget (`limits.max_response_bytes`) carries `next_cursor`: send the same query with it as `cursor` for the rest.",
      access: "read",
      namespaced: true,
      body: SimilarityQuery,
      responses: { 200: { description: "The hits, most similar first", body: SearchResult } },
      errors: ["malformed_json", "validation_failed", "invalid_cursor", ...DATABASE_ERRORS]
    },
    (c, { namespace }) =>
      run(
        c,
        Effect.gen(function* () {
          const query = yield* routes.bodies.decode(c, SimilarityQuery)
          const storage = yield* Storage.Storage
          const page = yield* storage.searchEmbeddings(namespace, query)
          return json(c, JSON.stringify({ matches: page.items, next_cursor: page.next_cursor }))
        })
      )
  )
}
