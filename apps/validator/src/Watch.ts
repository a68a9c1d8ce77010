import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import { ApiClient } from "./ApiClient.js"
import { summarize } from "./Distribution.js"
import * as Evaluate from "./Evaluate.js"
import * as ExitCode from "./ExitCode.js"
import type { MetricsSnapshot } from "./MetricsSnapshot.js"
import { observe } from "./Observations.js"
import type { Outcome } from "./Report.js"
import type { SessionOptions } from "./Run.js"
import type { Thresholds } from "./Thresholds.js"
import * as WatchSchedule from "./WatchSchedule.js"
import * as Workload from "./Workload.js"

/** Options of `validator watch`; `samples` is the health requests and reads per sample (and episodes seeded). */
export interface WatchOptions extends SessionOptions {
  readonly schedule: WatchSchedule.ScheduleName
  /** Multiplies every interval (`0.001` turns 15 min into 0.9 s). */
  readonly scale: number
}

/** One light sample: health and read latencies, RSS, hit rate and every trigger's state. */
export interface WatchSample {
  readonly index: number
  readonly offset: string
  readonly at: string
  readonly health_p50_ms: number
  readonly read_p50_ms: number
  readonly rss_bytes: number
  readonly process_hit_rate: number | null
  readonly error_rate_pct: number
  readonly triggers: ReadonlyArray<Evaluate.Check>
}

/** The JSON report of `validator watch`. */
export interface WatchReport {
  readonly tool: "@memory-turso/validator"
  readonly kind: "watch"
  readonly version: 1
  readonly url: string
  readonly run_id: string
  readonly schedule: string
  readonly scale: number
  readonly planned_samples: number
  readonly started_at: string
  readonly finished_at: string
  readonly outcome: Outcome
  readonly exit_code: ExitCode.ExitCode
  readonly baseline: string | null
  readonly thresholds: Thresholds
  readonly samples: ReadonlyArray<WatchSample>
}

/** One line per sample, as printed while watching. */
export const sampleLine = (s: WatchSample, total: number) => {
  const fired = s.triggers.filter((t) => t.status === "fail")
  const state =
    fired.length === 0
      ? "triggers ok"
      : `FIRED: ${fired.map((t) => `${t.label} ${t.measured} (${t.threshold})`).join("; ")}`
  const hit = s.process_hit_rate === null ? "-" : s.process_hit_rate.toFixed(3)
  return `sample ${s.index + 1}/${total} at ${s.offset}: health p50 ${Evaluate.ms(s.health_p50_ms)}, read p50 ${Evaluate.ms(s.read_p50_ms)}, rss ${(s.rss_bytes / 1024 ** 2).toFixed(1)} MiB, cache hit rate ${hit}, error rate ${s.error_rate_pct.toFixed(2)}%: ${state}`
}

/**
 * Seeds a few episodes and reads each once, then takes a light sample (health, a few reads, `/metrics`) at every offset of the
 * schedule and evaluates the rollback triggers each time; stops at the first one that fires.
 */
export const watch = Effect.fn("Validator.watch")(function* (
  options: WatchOptions,
  onSample: (sample: WatchSample, total: number) => Effect.Effect<void> = (s, total) =>
    Console.log(sampleLine(s, total))
) {
  const api = yield* ApiClient
  const metricsOptions = { allowMissingSections: options.allowMissingSections }
  const at = WatchSchedule.offsets(WatchSchedule.schedules[options.schedule], options.scale)
  const started_at = new Date().toISOString()
  const prefix = `mtv-${options.runId}`
  yield* api.request("GET", "/health")
  let previous: MetricsSnapshot = yield* Workload.readMetrics(metricsOptions)
  const samples: Array<WatchSample> = []

  yield* Effect.scoped(
    Effect.gen(function* () {
      const seeded = yield* Workload.seededRegistry(prefix, options.keepData)
      const items = Workload.episodes(prefix, "watch", options.samples)
      yield* Workload.seed(seeded, items)
      // Read each item once so the samples' reads are repeat reads (a read-through cache would miss them all once).
      yield* Effect.forEach(items, (e) => Workload.readEpisode(e.episode_id), { discard: true })
      yield* WatchSchedule.loop(at, (index, offsetMs) =>
        Effect.gen(function* () {
          const health = yield* Workload.timeGet("/health", options.samples)
          const reads = yield* Effect.forEach(items, (e) => Workload.readEpisode(e.episode_id))
          const end = yield* Workload.readMetrics(metricsOptions)
          const observations = observe(
            { start: previous, end },
            { health: summarize(health), read: summarize(reads) },
            yield* api.ledger
          )
          previous = end
          const hitRate =
            end.cache.state === "enabled"
              ? { value: end.cache.value.hit_rate, note: "process-wide cache.hit_rate" }
              : undefined
          const triggers = Evaluate.triggers(observations, options.thresholds, options.baseline, hitRate)
          const sample: WatchSample = {
            index,
            offset: WatchSchedule.formatOffset(offsetMs),
            at: new Date().toISOString(),
            health_p50_ms: observations.operations.health!.p50_ms,
            read_p50_ms: observations.operations.read!.p50_ms,
            rss_bytes: end.process.rss_bytes,
            process_hit_rate: hitRate?.value ?? null,
            error_rate_pct: observations.errors.error_rate_pct,
            triggers
          }
          samples.push(sample)
          yield* onSample(sample, at.length)
          return !triggers.some((t) => t.status === "fail")
        })
      )
    })
  )
  const fired = samples.some((s) => s.triggers.some((t) => t.status === "fail"))
  const report: WatchReport = {
    tool: "@memory-turso/validator",
    kind: "watch",
    version: 1,
    url: api.url,
    run_id: options.runId,
    schedule: options.schedule,
    scale: options.scale,
    planned_samples: at.length,
    started_at,
    finished_at: new Date().toISOString(),
    outcome: fired ? "rollback" : "pass",
    exit_code: fired ? ExitCode.ROLLBACK : ExitCode.PASS,
    baseline: options.baseline?.source ?? null,
    thresholds: options.thresholds,
    samples
  }
  return report
})
