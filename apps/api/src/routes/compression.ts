import { Storage } from "@memory-turso/storage-core"
import * as Effect from "effect/Effect"
import type { Hono } from "hono"
import { type AppEnv, json, type Run } from "../http/respond.js"

/**
 * `POST /compression/dictionary`: builds a compression dictionary from the most recent episodes now (201 with its
 * id, size and sample count); 409 `dictionary_unavailable` when `compression.use_dictionary` is off or no episode
 * is stored.
 */
export const mountCompression = (app: Hono<AppEnv>, run: Run) => {
  app.post("/compression/dictionary", (c) =>
    run(
      c,
      Effect.flatMap(Storage.Storage, (storage) =>
        Effect.map(storage.buildDictionary, (info) => json(c, JSON.stringify(info), 201))
      )
    )
  )
}
