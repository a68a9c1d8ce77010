import { OperationMetrics } from "@memory-turso/pool"
import * as Effect from "effect/Effect"
import { metricsSnapshot } from "../http/MetricsSnapshot.js"
import { render } from "./Exposition.js"
import { collectRuntime } from "./RuntimeMetrics.js"
import { Telemetry } from "./Telemetry.js"

/** Brings every collected metric up to date: the store's figures (from the `/metrics` snapshot) and the runtime's. */
export const collect = Effect.gen(function* () {
  const telemetry = yield* Telemetry
  telemetry.collectStore(yield* metricsSnapshot)
  collectRuntime()
  OperationMetrics.register()
})

/** The Prometheus text of `/metrics` (`Accept: text/plain`) and `/metrics/prometheus`, collected just now. */
export const prometheusText = Effect.map(collect, () => render())
