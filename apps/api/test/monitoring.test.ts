import { describe, expect, it } from "@effect/vitest"
import { Database } from "@memory-turso/pool"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as TestClock from "effect/TestClock"
import { baseline } from "../src/Features.js"
import * as Access from "../src/http/Access.js"
import * as RequestMetrics from "../src/http/RequestMetrics.js"
import * as MetricsReporter from "../src/stack/MetricsReporter.js"
import { StackStatus } from "../src/stack/StackStatus.js"

const lines: Array<{ message: unknown; annotations: Record<string, unknown> }> = []
const capture = Logger.replace(
  Logger.defaultLogger,
  Logger.make(({ annotations, message }) => {
    lines.push({ message, annotations: Object.fromEntries(annotations) })
  })
)

const services = Layer.mergeAll(
  RequestMetrics.layer,
  Access.layer({ public_metrics: false, tokens: [] }),
  Layer.succeed(
    StackStatus,
    StackStatus.of({
      features: { ...baseline, cache: true },
      degraded: [],
      sections: Effect.succeed({ cache: { enabled: true, hit_rate: 0.75 } })
    })
  ),
  Layer.succeed(
    Database.Database,
    Database.Database.of({
      kind: "embedded",
      execute: () => Effect.die("unused"),
      batch: () => Effect.die("unused"),
      transaction: () => Effect.die("unused"),
      stats: Effect.succeed({ executes: 0, batches: 0, transactions: 0, statements: 0, errors: 0 })
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
