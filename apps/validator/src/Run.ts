import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import { ApiClient } from "./ApiClient.js"
import { summarize } from "./Distribution.js"
import * as Evaluate from "./Evaluate.js"
import { observe } from "./Observations.js"
import { type RunReport, verdict } from "./Report.js"
import type { Thresholds } from "./Thresholds.js"
import * as Workload from "./Workload.js"

/** Options of one validation session (`run` or `watch`). */
export interface SessionOptions {
  /** Samples per measured operation (at least 5). */
  readonly samples: number
  readonly keepData: boolean
  readonly allowMissingSections: boolean
  /** Unique per run; every seeded id starts with `mtv-<runId>`. */
  readonly runId: string
  readonly thresholds: Thresholds
  readonly baseline: Evaluate.Baseline | undefined
}

/** Options of one `validator run`. */
export type RunOptions = SessionOptions

/** The smallest number of samples per operation: percentiles of fewer mean nothing. */
export const MIN_SAMPLES = 5

/** A fresh run id: time plus randomness, valid in episode ids. */
export const newRunId = (): string =>
  `${Date.now().toString(36)}-${Math.floor(Math.random() * 36 ** 6)
    .toString(36)
    .padStart(6, "0")}`

/**
 * Seeds data, measures every operation `samples` times, reads `/metrics` around the traffic, removes the data and
 * judges the criteria and triggers.
 */
export const run = Effect.fn("Validator.run")(function* (options: RunOptions) {
  const api = yield* ApiClient
  const n = options.samples
  const started_at = new Date().toISOString()
  const metricsOptions = { allowMissingSections: options.allowMissingSections }
  const prefix = `mtv-${options.runId}`

  // Fail fast (exit 3) before writing anything when the API is down or its /metrics breaks the contract.
  yield* api.call((client, call) => client.health(call))
  const start = yield* Workload.readMetrics(metricsOptions)
  const ownAtStart = (yield* api.ledger).server_errors

  const measured = yield* Effect.scoped(
    Effect.gen(function* () {
      const seeded = yield* Workload.seededRegistry(prefix, options.keepData)
      const readSet = Workload.episodes(prefix, "read", n)
      yield* Console.error(`seeding ${n} episodes (ids ${prefix}-*)`)
      yield* Workload.seed(seeded, readSet)

      // Hit-rate phase: every seeded item is read READS_PER_ITEM times; the first pass is the timed single read.
      const beforeFirstReads = yield* Workload.readMetrics(metricsOptions, start)
      const single = yield* Effect.forEach(readSet, (e) => Workload.readEpisode(e.episode_id))
      const afterFirstReads = yield* Workload.readMetrics(metricsOptions, beforeFirstReads)
      let afterRepeatReads = afterFirstReads
      if (afterFirstReads.cache.state === "enabled") {
        for (let pass = 1; pass < Workload.READS_PER_ITEM; pass++)
          yield* Effect.forEach(readSet, (e) => Workload.readEpisode(e.episode_id), { discard: true })
        afterRepeatReads = yield* Workload.readMetrics(metricsOptions, afterFirstReads)
      }
      const hot = readSet[0]!.episode_id
      const cached = yield* Effect.forEach(readSet, () => Workload.readEpisode(hot))

      const batches = Array.from({ length: n }, (_, s) => Workload.episodes(prefix, `batch${s}`, 10))
      const batch = yield* Effect.forEach(batches, (b) => Workload.storeBatch(b, seeded, "measuring"))
      const health = yield* Workload.timeCalls(n, (client, call) => client.health(call))
      const dbHealth = yield* Workload.timeCalls(n, (client, call) => client.dbHealth(call))
      const end = yield* Workload.readMetrics(metricsOptions, afterRepeatReads)
      const ownServerErrors = (yield* api.ledger).server_errors - ownAtStart
      return {
        window: {
          start,
          end,
          reads: { from: beforeFirstReads, to: afterRepeatReads },
          firstReads: { from: beforeFirstReads, to: afterFirstReads },
          ownServerErrors
        },
        operations: {
          single_read: summarize(single),
          cached_read: summarize(cached),
          batch_store: summarize(batch),
          health: summarize(health),
          db_health: summarize(dbHealth)
        },
        seeded
      }
    })
  )
  // The registry's finalizer (the cleanup) ran when the scope closed, so its requests are in the ledger.
  const seededCount = yield* measured.seeded.count
  const removed = yield* measured.seeded.removed
  const ledger = yield* api.ledger
  const observations = observe(measured.window, measured.operations, ledger)
  const criteria = Evaluate.criteria(observations, options.thresholds)
  const triggers = Evaluate.triggers(observations, options.thresholds, options.baseline)
  const { operations, ...rest } = observations
  const report: RunReport = {
    tool: "@memory-turso/validator",
    kind: "run",
    version: 1,
    url: api.url,
    namespace: api.namespace,
    run_id: options.runId,
    started_at,
    finished_at: new Date().toISOString(),
    samples: n,
    seeded_episodes: seededCount,
    removed_episodes: removed,
    kept_data: options.keepData,
    ...verdict(criteria, triggers),
    baseline: options.baseline?.source ?? null,
    baseline_run_id: options.baseline?.run_id ?? null,
    thresholds: options.thresholds,
    criteria,
    triggers,
    operations,
    observations: rest
  }
  return report
})
