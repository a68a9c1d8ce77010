import { RecallQuery, RecallResult } from "@memory-turso/model"
import { Storage } from "@memory-turso/storage-core"
import * as Effect from "effect/Effect"
import { ApiError } from "../http/ApiError.js"
import type { Routes } from "../http/Routes.js"
import { json, type Run } from "../http/respond.js"

const DATABASE_ERRORS = ["database_unavailable", "pool_timeout", "database_error"] as const

/** `POST /recall`: hybrid retrieval (full-text, vector, or both fused) in the request's namespace. */
export const mountRecall = (routes: Routes, run: Run) => {
  routes.add(
    {
      method: "POST",
      path: "/recall",
      tag: "recall",
      summary: "Find the episodes, patterns and heuristics most relevant to a text, a vector, or both",
      description:
        "`text` is matched with FTS5 and ranked by BM25 (task descriptions, step actions and outputs, reflections and outcomes of episodes; descriptions, conditions and actions of patterns and heuristics). `vector` is ranked by cosine similarity over the embeddings of its dimension, through that dimension's DiskANN index (over-fetching while filters reject candidates, and scanning exactly when they are too selective, or with `exact: true`). With both, ranks are fused by reciprocal rank (`recall.rrf_k`, 60 by default). Each item carries its score breakdown; `plan` says how the vector side was answered. `count_retrieved` counts the returned items as retrieved (`recall.count_retrievals` when absent); asking for it needs the write scope (403 `forbidden`).",
      access: "read",
      namespaced: true,
      body: RecallQuery,
      responses: { 200: { description: "The items, most relevant first", body: RecallResult } },
      errors: ["malformed_json", "validation_failed", "forbidden", ...DATABASE_ERRORS]
    },
    (c, { namespace, principal }) =>
      run(
        c,
        Effect.gen(function* () {
          const query = yield* routes.bodies.decode(c, RecallQuery)
          // asking to count writes: a read-only token may recall, not count
          if (query.count_retrieved === true && !principal.scopes.has("write")) {
            return yield* Effect.fail(new ApiError("forbidden", "count_retrieved needs the write scope"))
          }
          const storage = yield* Storage.Storage
          const result = yield* storage.recall(namespace, query)
          return json(c, JSON.stringify(result))
        })
      )
  )
}
