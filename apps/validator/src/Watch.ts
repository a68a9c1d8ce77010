import * as Console from "effect/Console"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { ApiClient } from "./ApiClient.js"
import { summarize } from "./Distribution.js"
import * as Evaluate from "./Evaluate.js"
import * as ExitCode from "./ExitCode.js"
import { type MetricsSnapshot, requestTotals } from "./MetricsSnapshot.js"
import { continuity, observe } from "./Observations.js"
import type { Outcome } from "./Report.js"
import type { SessionOptions } from "./Run.js"
import type { Thresholds } from "./Thresholds.js"
import type { ValidatorError } from "./ValidatorError.js"
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
  /** Δepisode_hits / Δlookups since the previous sample (null: no lookups, or no cache). */
  readonly hit_rate: number | null
  readonly process_hit_rate: number | null
  /** Over the error rate's window (at least `rollback_error_rate_min_requests` requests, or every sample so far). */
  readonly error_rate_pct: number
  readonly error_rate_requests: number
  /** Attempts this sample took (1 unless a failed attempt was retried). */
  readonly attempts: number
  readonly triggers: ReadonlyArray<Evaluate.Check>
}

/** The JSON report of `validator watch`. */
export interface WatchReport {
  readonly tool: "@memory-turso/validator"
  readonly kind: "watch"
  readonly version: 1
  readonly url: string
  /** The namespace named on every request, or null (the token's default). */
  readonly namespace: string | null
  readonly run_id: string
  readonly schedule: string
  readonly scale: number
  readonly planned_samples: number
  readonly started_at: string
  readonly finished_at: string
  readonly outcome: Outcome
  readonly exit_code: ExitCode.ExitCode
  /** Why the watch stopped without a verdict (outcome "error", exit 3), e.g. a sample that failed every attempt. */
  readonly error: string | null
  readonly baseline: string | null
  readonly baseline_run_id: string | null
  readonly thresholds: Thresholds
  readonly samples: ReadonlyArray<WatchSample>
}

/** Attempts per sample: a failed one (API unreachable, timeout, garbage) is retried this many times minus one... */
export const SAMPLE_ATTEMPTS = 4
/** ...after this delay (times `--scale`), doubling each time: 10 s, 20 s, 40 s. */
export const SAMPLE_RETRY_DELAY = Duration.seconds(10)

/** One line per sample, as printed while watching. */
export const sampleLine = (s: WatchSample, total: number) => {
  const fired = s.triggers.filter((t) => t.status === "fail")
  const state =
    fired.length === 0
      ? "triggers ok"
      : `FIRED: ${fired.map((t) => `${t.label} ${t.measured} (${t.threshold})`).join("; ")}`
  const hit = s.hit_rate === null ? "-" : s.hit_rate.toFixed(3)
  return `sample ${s.index + 1}/${total} at ${s.offset}: health p50 ${Evaluate.ms(s.health_p50_ms)}, read p50 ${Evaluate.ms(s.read_p50_ms)}, rss ${(s.rss_bytes / 1024 ** 2).toFixed(1)} MiB, cache hit rate ${hit}, error rate ${s.error_rate_pct.toFixed(2)}% of ${s.error_rate_requests}: ${state}`
}

/**
 * The error rate's window for a sample ending at `end`: from the latest earlier snapshot that leaves at least
 * `minRequests` requests in between, else from the first one (the trigger then skips itself).
 */
export const errorRateSpan = (history: ReadonlyArray<MetricsSnapshot>, end: MetricsSnapshot, minRequests: number) => {
  const total = requestTotals(end).count
  for (let i = history.length - 1; i >= 0; i--)
    if (total - requestTotals(history[i]!).count >= minRequests) return { from: history[i]!, to: end }
  return { from: history[0]!, to: end }
}

/**
 * Seeds a few episodes and reads each once (outside every sample's window), then takes a light sample (health, a few reads, `/metrics`) at every offset of the
 * schedule and evaluates the rollback triggers each time; stops at the first one that fires. A sample that fails is
 * retried (SAMPLE_ATTEMPTS); if it still fails, or the API restarted, the watch ends with outcome "error" (exit 3) and a
 * report of the samples so far.
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
  const retryDelay = Duration.millis(Duration.toMillis(SAMPLE_RETRY_DELAY) * options.scale)
  yield* api.call((client, call) => client.health(call))
  let previous: MetricsSnapshot = yield* Workload.readMetrics(metricsOptions)
  let ownBefore = 0
  const history: Array<MetricsSnapshot> = []
  const samples: Array<WatchSample> = []

  const failure = yield* Effect.scoped(
    Effect.gen(function* () {
      const seeded = yield* Workload.seededRegistry(prefix, options.keepData)
      const items = Workload.episodes(prefix, "watch", options.samples)
      yield* Workload.seed(seeded, items)
      // Read each item once so the samples' reads are repeat reads (a read-through cache would miss them all once).
      yield* Effect.forEach(items, (e) => Workload.readEpisode(e.episode_id), { discard: true })
      // The first sample's window starts here: seeding and these first reads are not part of any sample.
      previous = yield* Workload.readMetrics(metricsOptions, previous)
      ownBefore = (yield* api.ledger).server_errors
      history.push(previous)
      const measure = Effect.gen(function* () {
        const health = yield* Workload.timeCalls(options.samples, (client, call) => client.health(call))
        const reads = yield* Effect.forEach(items, (e) => Workload.readEpisode(e.episode_id))
        const end = yield* Workload.readMetrics(metricsOptions)
        return { health, reads, end }
      })
      const attempt = (
        index: number,
        n: number
      ): Effect.Effect<[Effect.Effect.Success<typeof measure>, number], ValidatorError, ApiClient> =>
        measure.pipe(
          Effect.map((m) => [m, n] as [Effect.Effect.Success<typeof measure>, number]),
          Effect.catchAll((error) => {
            if (n >= SAMPLE_ATTEMPTS) return Effect.fail(error)
            const delay = Duration.millis(Duration.toMillis(retryDelay) * 2 ** (n - 1))
            return Console.error(
              `warning: sample ${index + 1} attempt ${n} of ${SAMPLE_ATTEMPTS} failed (${error.message}); retrying in ${Duration.format(delay)}`
            ).pipe(Effect.zipRight(Effect.sleep(delay)), Effect.zipRight(attempt(index, n + 1)))
          })
        )
      yield* WatchSchedule.loop(at, (index, offsetMs) =>
        Effect.gen(function* () {
          const [{ health, reads, end }, attempts] = yield* attempt(index, 1)
          // Not retried: a restart is a fact about the window, not a passing failure.
          yield* continuity(previous, end)
          const ownNow = (yield* api.ledger).server_errors
          const errorRate = errorRateSpan(history, end, options.thresholds.rollback_error_rate_min_requests)
          const observations = observe(
            {
              start: previous,
              end,
              reads: { from: previous, to: end },
              errorRate,
              ownServerErrors: ownNow - ownBefore
            },
            { health: summarize(health), read: summarize(reads) },
            yield* api.ledger
          )
          previous = end
          ownBefore = ownNow
          history.push(end)
          const triggers = Evaluate.triggers(observations, options.thresholds, options.baseline, "watch")
          const cache = observations.cache.state === "enabled" ? observations.cache.value : undefined
          const sample: WatchSample = {
            index,
            offset: WatchSchedule.formatOffset(offsetMs),
            at: new Date().toISOString(),
            health_p50_ms: observations.operations.health!.p50_ms,
            read_p50_ms: observations.operations.read!.p50_ms,
            rss_bytes: end.process.rss_bytes,
            hit_rate: cache?.hit_rate ?? null,
            process_hit_rate: cache?.process_hit_rate ?? null,
            error_rate_pct: observations.errors.error_rate_pct,
            error_rate_requests: observations.errors.rate_requests,
            attempts,
            triggers
          }
          samples.push(sample)
          yield* onSample(sample, at.length)
          return !triggers.some((t) => t.status === "fail")
        })
      )
    })
  ).pipe(
    Effect.as(null),
    Effect.catchAll((error) => Effect.succeed(error.message))
  )
  const fired = samples.some((s) => s.triggers.some((t) => t.status === "fail"))
  const report: WatchReport = {
    tool: "@memory-turso/validator",
    kind: "watch",
    version: 1,
    url: api.url,
    namespace: api.namespace,
    run_id: options.runId,
    schedule: options.schedule,
    scale: options.scale,
    planned_samples: at.length,
    started_at,
    finished_at: new Date().toISOString(),
    outcome: failure !== null ? "error" : fired ? "rollback" : "pass",
    exit_code: failure !== null ? ExitCode.API_PROBLEM : fired ? ExitCode.ROLLBACK : ExitCode.PASS,
    error: failure,
    baseline: options.baseline?.source ?? null,
    baseline_run_id: options.baseline?.run_id ?? null,
    thresholds: options.thresholds,
    samples
  }
  return report
})
