import { Metrics } from "@memory-turso/model"
import { MemoryStore } from "@memory-turso/store"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { AccessControl } from "./Access.js"
import { RequestMetrics } from "./RequestMetrics.js"

const encode = Schema.encode(Metrics)

/**
 * Every figure /metrics publishes, as one document of the `Metrics` Schema the API's clients read with: the store's
 * sections, requests per route, authentication (per token name, never a secret) and the process.
 */
export const metricsSnapshot = Effect.gen(function* () {
  const metrics = yield* RequestMetrics
  const status = yield* MemoryStore.StoreStatus
  const auth = (yield* AccessControl).stats()
  const memory = process.memoryUsage()
  return {
    ...(yield* status.metrics),
    requests: metrics.snapshot(),
    auth: auth.enabled ? { ...auth, enabled: true as const } : { enabled: false as const },
    process: { rss_bytes: memory.rss, heap_used_bytes: memory.heapUsed, uptime_s: Math.round(process.uptime()) }
  } satisfies Metrics
})

/** The snapshot as JSON text, written through the `Metrics` Schema (a field it does not declare is dropped). */
export const metricsJson = metricsSnapshot.pipe(Effect.flatMap(encode), Effect.orDie, Effect.map(JSON.stringify))

/** The one-line summary the monitoring loop logs. */
export const summaryOf = (snapshot: Metrics) => {
  let requests = 0
  let errors = 0
  for (const route of Object.values(snapshot.requests)) {
    requests += route.count
    errors += route.errors
  }
  const field = <K extends string>(section: { readonly enabled: boolean } & Partial<Record<K, number>>, key: K) =>
    section.enabled ? (section[key] ?? null) : null
  return {
    requests,
    errors,
    cache_hit_rate: field(snapshot.cache, "hit_rate"),
    compression_ratio: field(snapshot.compression, "ratio"),
    pool_utilization: field(snapshot.pool, "utilization"),
    keepalive_stale_rate: field(snapshot.keepalive, "stale_rate"),
    rss_bytes: snapshot.process.rss_bytes
  }
}
