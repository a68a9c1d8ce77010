import type { PartialMetrics } from "@memory-turso/client"

/** A feature section of `/metrics`: enabled with its numbers, disabled, or not published at all. */
export type Section<A> =
  | { readonly state: "enabled"; readonly value: A }
  | { readonly state: "disabled" }
  | { readonly state: "unpublished" }

/** The `/metrics` fields the validator reads (decoded with the model's `Metrics`, so every one is in range). */
export interface MetricsSnapshot {
  readonly cache: Section<{ readonly hit_rate: number; readonly episode_hits: number; readonly episode_misses: number }>
  readonly compression: Section<{ readonly ratio: number; readonly bytes_in: number; readonly bytes_out: number }>
  readonly pool: Section<{ readonly utilization: number; readonly timeouts: number }>
  readonly keepalive: Section<{ readonly stale_rate: number }>
  /** "METHOD /route" -> request count and 5xx count. */
  readonly requests: Readonly<Record<string, { readonly count: number; readonly errors: number }>>
  readonly process: { readonly rss_bytes: number; readonly heap_used_bytes: number; readonly uptime_s: number }
}

/** Options of reading `/metrics`. */
export interface ReadOptions {
  /**
   * Decode with `PartialMetrics`: a feature section the API does not publish at all is "unpublished" (its criteria
   * are skipped) instead of garbage.
   */
  readonly allowMissingSections: boolean
}

/** A decoded section: absent (not published), `{"enabled": false}`, or enabled with the fields `pick` reads. */
const sectionOf = <S extends { readonly enabled: boolean }, A>(
  section: S | undefined,
  pick: (enabled: Extract<S, { readonly enabled: true }>) => A
): Section<A> => {
  if (section === undefined) return { state: "unpublished" }
  if (!section.enabled) return { state: "disabled" }
  return { state: "enabled", value: pick(section as Extract<S, { readonly enabled: true }>) }
}

/** The fields the validator reads from a decoded `/metrics` body. */
export const fromMetrics = (metrics: PartialMetrics): MetricsSnapshot => ({
  cache: sectionOf(metrics.cache, ({ hit_rate, episode_hits, episode_misses }) => ({
    hit_rate,
    episode_hits,
    episode_misses
  })),
  compression: sectionOf(metrics.compression, ({ ratio, bytes_in, bytes_out }) => ({ ratio, bytes_in, bytes_out })),
  pool: sectionOf(metrics.pool, ({ utilization, timeouts }) => ({ utilization, timeouts })),
  keepalive: sectionOf(metrics.keepalive, ({ stale_rate }) => ({ stale_rate })),
  requests: Object.fromEntries(
    Object.entries(metrics.requests).map(([route, { count, errors }]) => [route, { count, errors }])
  ),
  process: {
    rss_bytes: metrics.process.rss_bytes,
    heap_used_bytes: metrics.process.heap_used_bytes,
    uptime_s: metrics.process.uptime_s
  }
})

/** Sums of request counts and 5xx errors over every route. */
export const requestTotals = (snapshot: MetricsSnapshot): { readonly count: number; readonly errors: number } => {
  let count = 0
  let errors = 0
  for (const route of Object.values(snapshot.requests)) {
    count += route.count
    errors += route.errors
  }
  return { count, errors }
}
