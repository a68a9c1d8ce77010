import * as OtlpMetrics from "@effect/opentelemetry/OtlpMetrics"
import * as OtlpSerialization from "@effect/opentelemetry/OtlpSerialization"
import * as OtlpTracer from "@effect/opentelemetry/OtlpTracer"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import type { Metrics } from "@memory-turso/model"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schedule from "effect/Schedule"
import { makeHttpRecorder, makeNamespaceRecorder } from "./HttpMetrics.js"
import { makeStoreCollector } from "./StoreCollector.js"
import { sampling } from "./Tracing.js"

/** What telemetry a server records and where it exports it (the `[telemetry]` section). */
export interface TelemetryOptions {
  /** The OTLP/HTTP base URL (`/v1/traces` and `/v1/metrics` are added); none: nothing is exported. */
  readonly otlpEndpoint?: string | undefined
  /** Share of traces exported, 0..1 (a caller's `traceparent` decides for its own traces). */
  readonly samplingRatio: number
  /** How often spans and metrics are sent. */
  readonly exportIntervalMs: number
  /** `service.name` of the exported resource. */
  readonly serviceName: string
  /** Namespaces that get their own label on `memory_turso_namespace_requests_total`; others count as `other`. */
  readonly namespaceLabels: ReadonlyArray<string>
}

/** The defaults of `[telemetry]`: no export, every trace sampled once export is on, the default namespace labelled. */
export const DEFAULTS: TelemetryOptions = {
  samplingRatio: 1,
  exportIntervalMs: 10_000,
  serviceName: "memory-turso-api",
  namespaceLabels: ["default"]
}

/** The options of a `[telemetry]` section as the configuration decodes it. */
export const fromSection = (section: {
  readonly otlp_endpoint?: string | undefined
  readonly sampling_ratio: number
  readonly export_interval_secs: number
  readonly service_name: string
  readonly namespace_labels: ReadonlyArray<string>
}): TelemetryOptions => ({
  otlpEndpoint: section.otlp_endpoint,
  samplingRatio: section.sampling_ratio,
  exportIntervalMs: section.export_interval_secs * 1000,
  serviceName: section.service_name,
  namespaceLabels: section.namespace_labels
})

/** A server's metric recorders: requests as they are answered, the store's figures when collected. */
export class Telemetry extends Context.Tag("@memory-turso/api/Telemetry")<
  Telemetry,
  {
    /** One answered request: route (`GET /episodes/:id` or `unmatched`), request method, status, latency in ms. */
    readonly recordRequest: (route: string, method: string, status: number, ms: number) => void
    /** One request let into a namespace. */
    readonly recordNamespace: (namespace: string) => void
    /** Copies the store's figures of a `/metrics` snapshot into the metric registry. */
    readonly collectStore: (snapshot: Metrics) => void
  }
>() {}

/** Fresh recorders for one server. */
export const make = (options: Pick<TelemetryOptions, "namespaceLabels">): Telemetry["Type"] => ({
  recordRequest: makeHttpRecorder(),
  recordNamespace: makeNamespaceRecorder(options.namespaceLabels),
  collectStore: makeStoreCollector()
})

/** The service, without any export. */
export const layer = (options: Pick<TelemetryOptions, "namespaceLabels">) => Layer.sync(Telemetry, () => make(options))

const trimSlash = (url: string) => url.replace(/\/+$/, "")

/**
 * OTLP/HTTP (JSON) export of spans and metrics when `otlpEndpoint` is set, else nothing at all (Effect's own
 * in-memory tracer stays: no span leaves the process). `collect` refreshes the collected metrics before each
 * metrics export.
 */
export const exportLayer = <R>(
  options: TelemetryOptions,
  collect: Effect.Effect<void, never, R>,
  version: string
): Layer.Layer<never, never, R> => {
  const endpoint = options.otlpEndpoint
  if (endpoint === undefined || endpoint === "") return Layer.empty
  const base = trimSlash(endpoint)
  const interval = Duration.millis(options.exportIntervalMs)
  const resource = { serviceName: options.serviceName, serviceVersion: version }
  const tracer = Layer.unwrapScoped(
    Effect.gen(function* () {
      const local = yield* Effect.tracer
      const exporting = yield* OtlpTracer.make({ url: `${base}/v1/traces`, resource, exportInterval: interval })
      return Layer.setTracer(sampling(exporting, local, options.samplingRatio))
    })
  )
  const metrics = Layer.scopedDiscard(
    OtlpMetrics.make({ url: `${base}/v1/metrics`, resource, exportInterval: interval })
  )
  // The store's figures are copied into the registry a little more often than they are exported.
  const refresh = Layer.scopedDiscard(
    collect.pipe(
      Effect.repeat(Schedule.spaced(Duration.millis(options.exportIntervalMs / 2))),
      Effect.withTracerEnabled(false),
      Effect.forkScoped
    )
  )
  return Layer.mergeAll(tracer, metrics, refresh).pipe(
    Layer.provide(Layer.merge(FetchHttpClient.layer, OtlpSerialization.layerJson))
  )
}
