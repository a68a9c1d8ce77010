import { Database } from "@memory-turso/pool"
import * as Effect from "effect/Effect"
import { optimizationsOf } from "../Features.js"
import { StackStatus } from "../stack/StackStatus.js"
import { AccessControl } from "./Access.js"
import { RequestMetrics } from "./RequestMetrics.js"

/** Every figure /metrics publishes, as one JSON document. */
export const metricsSnapshot = Effect.gen(function* () {
  const metrics = yield* RequestMetrics
  const status = yield* StackStatus
  const db = yield* Database.Database
  const auth = (yield* AccessControl).stats()
  const memory = process.memoryUsage()
  return {
    optimizations: optimizationsOf(status.features),
    features: status.features,
    ...(yield* status.sections),
    requests: metrics.snapshot(),
    // Per token name: never a token or its hash.
    auth: auth.enabled ? { ...auth, enabled: true as const } : { enabled: false as const },
    database: { kind: db.kind, ...(yield* db.stats) },
    process: { rss_bytes: memory.rss, heap_used_bytes: memory.heapUsed, uptime_s: Math.round(process.uptime()) }
  }
})

const field = (section: unknown, name: string): unknown =>
  typeof section === "object" && section !== null ? (section as Record<string, unknown>)[name] : undefined

/** The one-line summary the monitoring loop logs. */
export const summaryOf = (snapshot: Effect.Effect.Success<typeof metricsSnapshot>) => {
  let requests = 0
  let errors = 0
  for (const route of Object.values(snapshot.requests)) {
    requests += route.count
    errors += route.errors
  }
  const sections = snapshot as unknown as Record<string, unknown>
  return {
    requests,
    errors,
    cache_hit_rate: field(sections["cache"], "hit_rate") ?? null,
    compression_ratio: field(sections["compression"], "ratio") ?? null,
    pool_utilization: field(sections["pool"], "utilization") ?? null,
    keepalive_stale_rate: field(sections["keepalive"], "stale_rate") ?? null,
    rss_bytes: snapshot.process.rss_bytes
  }
}
