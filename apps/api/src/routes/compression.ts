import { DictionaryInfo } from "@memory-turso/model"
import { Storage } from "@memory-turso/storage-core"
import * as Effect from "effect/Effect"
import type { Routes } from "../http/Routes.js"
import { json, type Run } from "../http/respond.js"

/**
 * `POST /compression/dictionary` (admin): builds a compression dictionary from the most recent episodes now (201
 * with its id, size and sample count); 409 `dictionary_unavailable` when `compression.use_dictionary` is off or no
 * episode is stored.
 */
export const mountCompression = (routes: Routes, run: Run) => {
  routes.add(
    {
      method: "POST",
      path: "/compression/dictionary",
      tag: "operations",
      summary: "Build a compression dictionary from the most recent episodes",
      description:
        "New writes use it from now on. Needs `compression.use_dictionary`; dictionaries are shared by all namespaces.",
      access: "admin",
      namespaced: false,
      responses: { 201: { description: "The dictionary now used for new writes", body: DictionaryInfo } },
      errors: ["dictionary_unavailable", "corrupt_record", "database_unavailable", "pool_timeout", "database_error"]
    },
    (c) =>
      run(
        c,
        Effect.flatMap(Storage.Storage, (storage) =>
          Effect.map(storage.buildDictionary, (info) => json(c, JSON.stringify(info), 201))
        )
      )
  )
}
