import { Database, Storage } from "@memory-turso/storage-core"
import * as Effect from "effect/Effect"
import type { Hono } from "hono"
import { optimizationsOf } from "../Features.js"
import { metricsSnapshot } from "../http/MetricsSnapshot.js"
import * as Prometheus from "../http/Prometheus.js"
import { RequestMetrics } from "../http/RequestMetrics.js"
import { type AppEnv, json, type Run, send } from "../http/respond.js"
import { StackStatus } from "../stack/StackStatus.js"

const HEALTH_TIMEOUT = "2 seconds"

/** `/health`, `/db-health` and `/metrics`. */
export const mountOperations = (app: Hono<AppEnv>, run: Run) => {
  /** 200 healthy or 503 unhealthy, after the database answered (or not) within the timeout. */
  const health = (
    c: Parameters<Run>[0],
    extra: (storage: Storage.Storage["Type"]) => Effect.Effect<object, unknown, Database.Database>
  ) =>
    run(
      c,
      Effect.gen(function* () {
        const status = yield* StackStatus
        const storage = yield* Storage.Storage
        const base = {
          optimizations: optimizationsOf(status.features),
          features: status.features,
          ...(status.degraded.length > 0 ? { degraded: status.degraded } : {})
        }
        const answered = yield* extra(storage).pipe(Effect.timeout(HEALTH_TIMEOUT), Effect.either)
        if (answered._tag === "Left") {
          return json(c, JSON.stringify({ status: "unhealthy", ...base, reason: "the database does not answer" }), 503)
        }
        return json(c, JSON.stringify({ status: "healthy", ...base, ...answered.right }))
      })
    )

  app.get("/health", (c) => health(c, (storage) => Effect.as(storage.ping, {})))

  app.get("/db-health", (c) =>
    health(c, (storage) =>
      Effect.gen(function* () {
        const db = yield* Database.Database
        const start = performance.now()
        const counts = yield* storage.counts
        const latency_ms = Math.round((performance.now() - start) * 1000) / 1000
        return { database: db.kind, latency_ms, counts }
      })
    )
  )

  const prometheus = (c: Parameters<Run>[0]) =>
    run(
      c,
      Effect.gen(function* () {
        const metrics = yield* RequestMetrics
        const { features: _features, optimizations: _optimizations, requests, ...sections } = yield* metricsSnapshot
        const text = Prometheus.render({ routes: requests, histograms: metrics.histograms(), sections })
        return send(c, 200, text, { "content-type": "text/plain; version=0.0.4; charset=utf-8" })
      })
    )

  app.get("/metrics", (c) => {
    const accept = c.req.header("accept") ?? ""
    if (accept.includes("text/plain") && !accept.includes("application/json")) return prometheus(c)
    return run(
      c,
      Effect.map(metricsSnapshot, (document) => json(c, JSON.stringify(document)))
    )
  })

  app.get("/metrics/prometheus", prometheus)
}
