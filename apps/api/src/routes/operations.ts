import { DbHealth, Health, Metrics } from "@memory-turso/model"
import { Database } from "@memory-turso/pool"
import { Storage } from "@memory-turso/storage-core"
import { MemoryStore } from "@memory-turso/store"
import * as Effect from "effect/Effect"
import { metricsJson } from "../http/MetricsSnapshot.js"
import type { Routes } from "../http/Routes.js"
import { type AppContext, json, type Run, send } from "../http/respond.js"
import { prometheusText } from "../telemetry/Collect.js"
import * as Exposition from "../telemetry/Exposition.js"
import { PROBE_TIMEOUT } from "./probes.js"

const PROMETHEUS = {
  type: Exposition.CONTENT_TYPE,
  schema: { type: "string", description: "Prometheus text exposition format 0.0.4" }
}

/** `/health`, `/db-health` and `/metrics`. */
export const mountOperations = (routes: Routes, run: Run) => {
  /** 200 healthy or 503 unhealthy, after the database answered (or not) within the timeout. */
  const health = (
    c: AppContext,
    extra: (storage: Storage.Storage["Type"]) => Effect.Effect<object, unknown, Database.Database>
  ) =>
    run(
      c,
      Effect.gen(function* () {
        const status = yield* MemoryStore.StoreStatus
        const storage = yield* Storage.Storage
        const base = {
          optimizations: (yield* status.metrics).optimizations,
          features: status.features,
          ...(status.degraded.length > 0 ? { degraded: status.degraded } : {})
        }
        const answered = yield* extra(storage).pipe(Effect.timeout(PROBE_TIMEOUT), Effect.either)
        if (answered._tag === "Left") {
          return json(c, JSON.stringify({ status: "unhealthy", ...base, reason: "the database does not answer" }), 503)
        }
        return json(c, JSON.stringify({ status: "healthy", ...base, ...answered.right }))
      })
    )

  routes.add(
    {
      method: "GET",
      path: "/health",
      tag: "operations",
      summary: "The features in use, after a round trip to the database",
      description: "Reveals no data. 503 with status unhealthy when the database does not answer within 2 s.",
      access: "public",
      namespaced: false,
      responses: {
        200: { description: "Healthy", body: Health },
        503: { description: "Unhealthy: the database does not answer", body: Health }
      },
      errors: []
    },
    (c) => health(c, (storage) => Effect.as(storage.ping, {}))
  )

  routes.add(
    {
      method: "GET",
      path: "/db-health",
      tag: "operations",
      summary: "A real round trip: the namespace's record counts and the latency",
      access: "read",
      namespaced: true,
      responses: {
        200: { description: "Healthy", body: DbHealth },
        503: { description: "Unhealthy: the database does not answer", body: DbHealth }
      },
      errors: []
    },
    (c, { namespace }) =>
      health(c, (storage) =>
        Effect.gen(function* () {
          const db = yield* Database.Database
          const start = performance.now()
          const counts = yield* storage.counts(namespace)
          const latency_ms = Math.round((performance.now() - start) * 1000) / 1000
          return { database: db.kind, latency_ms, counts }
        })
      )
  )

  const prometheus = (c: AppContext) =>
    run(
      c,
      Effect.map(prometheusText, (text) => send(c, 200, text, { "content-type": PROMETHEUS.type }))
    )

  routes.add(
    {
      method: "GET",
      path: "/metrics",
      tag: "operations",
      summary: "Every figure, as JSON (or Prometheus text with Accept: text/plain)",
      access: "metrics",
      namespaced: false,
      responses: { 200: { description: "The figures", body: Metrics, media: PROMETHEUS } },
      errors: []
    },
    (c) => {
      const accept = c.req.header("accept") ?? ""
      if (accept.includes("text/plain") && !accept.includes("application/json")) return prometheus(c)
      return run(
        c,
        Effect.map(metricsJson, (text) => json(c, text))
      )
    }
  )

  routes.add(
    {
      method: "GET",
      path: "/metrics/prometheus",
      tag: "operations",
      summary: "Every figure in Prometheus text format",
      access: "metrics",
      namespaced: false,
      responses: { 200: { description: "The figures", media: PROMETHEUS } },
      errors: []
    },
    prometheus
  )
}
