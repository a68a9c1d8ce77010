import { Liveness, Readiness } from "@memory-turso/model"
import { Storage } from "@memory-turso/storage-core"
import * as Effect from "effect/Effect"
import { ApiError } from "../http/ApiError.js"
import { Lifecycle } from "../http/Lifecycle.js"
import type { Routes } from "../http/Routes.js"
import { json, type Run, type Serve } from "../http/respond.js"

/** How long the database may take to answer a probe or a health check. */
export const PROBE_TIMEOUT = "2 seconds"

const ALIVE = JSON.stringify({ status: "alive" })
const READY = JSON.stringify({ status: "ready" })

/**
 * `/livez`: 200 while the process serves requests, answered synchronously, never touching the database (a liveness
 * probe must not restart pods during a database outage). `/readyz`: 200 when the schema is migrated (always so
 * once the server listens: start-up migrates first), the database answers within the timeout, and the server is
 * not draining; 503 `not_ready` with the reason otherwise.
 */
export const mountProbes = (routes: Routes, run: Run, serve: Serve) => {
  routes.add(
    {
      method: "GET",
      path: "/livez",
      tag: "operations",
      summary: "Liveness: the process serves requests",
      description: "Never touches the database.",
      access: "public",
      namespaced: false,
      responses: { 200: { description: "Alive", body: Liveness } },
      errors: []
    },
    (c) => serve(c, "GET /livez", () => json(c, ALIVE))
  )

  routes.add(
    {
      method: "GET",
      path: "/readyz",
      tag: "operations",
      summary: "Readiness: migrated, the database answers, not draining",
      access: "public",
      namespaced: false,
      responses: { 200: { description: "Ready", body: Readiness } },
      errors: ["not_ready"]
    },
    (c) =>
      run(
        c,
        Effect.gen(function* () {
          const lifecycle = yield* Lifecycle
          if (lifecycle.isDraining()) {
            return yield* Effect.fail(new ApiError("not_ready", "the server is shutting down (draining)"))
          }
          const storage = yield* Storage.Storage
          const answered = yield* storage.ping.pipe(Effect.timeout(PROBE_TIMEOUT), Effect.either)
          if (answered._tag === "Left") {
            return yield* Effect.fail(new ApiError("not_ready", `the database does not answer within ${PROBE_TIMEOUT}`))
          }
          return json(c, READY)
        })
      )
  )
}
