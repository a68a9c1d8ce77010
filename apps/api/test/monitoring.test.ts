import { describe, expect, it } from "@effect/vitest"
import type { StoreMetrics } from "@memory-turso/model"
import { Database } from "@memory-turso/pool"
import { MemoryStore } from "@memory-turso/store"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as TestClock from "effect/TestClock"
import * as Access from "../src/http/Access.js"
import * as RequestMetrics from "../src/http/RequestMetrics.js"
import * as MetricsReporter from "../src/stack/MetricsReporter.js"

const lines: Array<{ message: unknown; annotations: Record<string, unknown> }> = []
const capture = Logger.replace(
  Logger.defaultLogger,
  Logger.make(({ annotations, message }) => {
    lines.push({ message, annotations: Object.fromEntries(annotations) })
  })
)

const features = {
  keepalive: false,
  compression: false,
  cache: true,
  prepared_statements: false,
  batch_operations: true
} as const
const off = { enabled: false } as const
const zero = { episodes: 0, patterns: 0, queries: 0 }
/** A store with only its cache on, at a 0.75 hit rate. */
const store: StoreMetrics = {
  optimizations: "enabled",
  features,
  cache: {
    enabled: true,
    hit_rate: 0.75,
    episode_hit_rate: 0.75,
    pattern_hit_rate: 0,
    query_hit_rate: 0,
    hits: 3,
    misses: 1,
    episode_hits: 3,
    episode_misses: 1,
    pattern_hits: 0,
    pattern_misses: 0,
    query_hits: 0,
    query_misses: 0,
    evictions: 0,
    expirations: 0,
    oversized: 0,
    entries: zero,
    approx_bytes: zero,
    feed_position: 12,
    feed_lag_ms: 40,
    feed_reads: 8,
    feed_reads_carried: 0,
    feed_read_failures: 0,
    feed_entries: 12,
    feed_invalidations: 3,
    full_clears: 0,
    stale_bypasses: 0,
    feed_trims: 1
  },
  compression: off,
  pool: off,
  connection_pool: off,
  keepalive: off,
  prepared_statements: off,
  retry: off,
  database: {
    kind: "embedded",
    executes: 0,
    batches: 0,
    transactions: 0,
    statements: 0,
    errors: 0,
    deadline_exceeded: 0
  }
}

const services = Layer.mergeAll(
  RequestMetrics.layer,
  Access.layer({ public_metrics: false, tokens: [] }),
  Layer.succeed(
    MemoryStore.StoreStatus,
    MemoryStore.StoreStatus.of({ features, degraded: [], metrics: Effect.succeed(store) })
  ),
  Layer.succeed(
    Database.Database,
    Database.Database.of({
      kind: "embedded",
      execute: () => Effect.die("unused"),
      batch: () => Effect.die("unused"),
      transaction: () => Effect.die("unused"),
      stats: Effect.succeed({
        executes: 0,
        batches: 0,
        transactions: 0,
        statements: 0,
        errors: 0,
        deadline_exceeded: 0
      })
    })
  )
)

describe("the periodic metrics summary", () => {
  it.scoped("logs one line every metrics_interval_secs while enabled, and stops with its layer", () =>
    Effect.gen(function* () {
      lines.length = 0
      const metrics = yield* RequestMetrics.RequestMetrics
      metrics.record("GET /episodes/:id", 200, 1)
      metrics.record("GET /episodes/:id", 503, 1)
      yield* Effect.scoped(
        Effect.gen(function* () {
          yield* Layer.build(MetricsReporter.layer({ enabled: true, intervalSecs: 60 }))
          yield* TestClock.adjust("59 seconds")
          expect(lines).toHaveLength(0)
          yield* TestClock.adjust("121 seconds")
          expect(lines).toHaveLength(3)
        })
      )
      yield* TestClock.adjust("600 seconds")
      expect(lines).toHaveLength(3)
      expect(lines[0]!.annotations).toMatchObject({ requests: 2, errors: 1, cache_hit_rate: 0.75 })
    }).pipe(Effect.provide(services), Effect.provide(capture))
  )

  it.scoped("logs nothing when monitoring is disabled", () =>
    Effect.gen(function* () {
      lines.length = 0
      yield* Layer.build(MetricsReporter.layer({ enabled: false, intervalSecs: 1 }))
      yield* TestClock.adjust("1 hour")
      expect(lines).toHaveLength(0)
    }).pipe(Effect.provide(services), Effect.provide(capture))
  )
})
