import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schedule from "effect/Schedule"
import { metricsSnapshot, summaryOf } from "../http/MetricsSnapshot.js"

/**
 * When monitoring is enabled, logs a one-line metrics summary every `intervalSecs` (requests, errors, cache hit
 * rate, compression ratio, pool utilization, keep-alive stale rate, RSS). The loop stops with the layer.
 */
export const layer = (options: { readonly enabled: boolean; readonly intervalSecs: number }) =>
  options.enabled
    ? Layer.scopedDiscard(
        metricsSnapshot.pipe(
          Effect.flatMap((snapshot) => Effect.logInfo("metrics").pipe(Effect.annotateLogs(summaryOf(snapshot)))),
          Effect.schedule(Schedule.spaced(Duration.seconds(options.intervalSecs))),
          Effect.forkScoped
        )
      )
    : Layer.empty
