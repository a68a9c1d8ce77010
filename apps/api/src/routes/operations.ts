import { Database, Storage } from "@memory-turso/storage-core"
import * as Effect from "effect/Effect"
import type { Hono } from "hono"
import { type Features, optimizationsOf } from "../Features.js"
import { RequestMetrics } from "../http/RequestMetrics.js"
import { json, type Run } from "../http/respond.js"

const HEALTH_TIMEOUT = "2 seconds"

/** `/health`, `/db-health` and `/metrics`. */
export const mountOperations = (app: Hono, run: Run, features: Features) => {
  const started = Date.now()
  const optimizations = optimizationsOf(features)
  const unhealthy = (c: Parameters<Run>[0], reason: string) =>
    c.body(JSON.stringify({ status: "unhealthy", optimizations, features, reason }), 503, {
      "content-type": "application/json; charset=utf-8"
    })

  app.get("/health", (c) =>
    run(
      c,
      Effect.gen(function* () {
        const storage = yield* Storage.Storage
        const answered = yield* storage.ping.pipe(Effect.timeout(HEALTH_TIMEOUT), Effect.either)
        if (answered._tag === "Left") return unhealthy(c, "the database does not answer")
        return json(c, JSON.stringify({ status: "healthy", optimizations, features }))
      })
    )
  )

  app.get("/db-health", (c) =>
    run(
      c,
      Effect.gen(function* () {
        const storage = yield* Storage.Storage
        const db = yield* Database.Database
        const start = performance.now()
        const counts = yield* storage.counts.pipe(Effect.timeout(HEALTH_TIMEOUT), Effect.either)
        if (counts._tag === "Left") return unhealthy(c, "the database does not answer")
        const latency_ms = Math.round((performance.now() - start) * 1000) / 1000
        return json(
          c,
          JSON.stringify({ status: "healthy", optimizations, database: db.kind, latency_ms, counts: counts.right })
        )
      })
    )
  )

  app.get("/metrics", (c) =>
    run(
      c,
      Effect.gen(function* () {
        const metrics = yield* RequestMetrics
        const db = yield* Database.Database
        const memory = process.memoryUsage()
        const uptime_s = Math.round((Date.now() - started) / 1000)
        return json(
          c,
          JSON.stringify({
            optimizations,
            features,
            requests: metrics.snapshot(),
            database: { kind: db.kind, ...(yield* db.stats) },
            process: { rss_bytes: memory.rss, heap_used_bytes: memory.heapUsed, uptime_s }
          })
        )
      })
    )
  )
}
