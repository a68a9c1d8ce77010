import { once } from "node:events"
import type { Server as HttpServer } from "node:http"
import type { AddressInfo } from "node:net"
import { createAdaptorServer } from "@hono/node-server"
import type { Database } from "@memory-turso/pool"
import type { Storage } from "@memory-turso/storage-core"
import { MemoryStore } from "@memory-turso/store"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import { makeApp } from "./App.js"
import type { AuthSection } from "./auth/AuthConfig.js"
import { DEFAULT_LIMITS, type Limits } from "./config/LimitsSection.js"
import * as Access from "./http/Access.js"
import * as Lifecycle from "./http/Lifecycle.js"
import * as RequestMetrics from "./http/RequestMetrics.js"
import type { AppServices } from "./http/respond.js"
import { API_INFO } from "./routes/reference.js"
import { collect } from "./telemetry/Collect.js"
import * as Telemetry from "./telemetry/Telemetry.js"

/** A running API server. */
export interface RunningServer {
  readonly url: string
  readonly port: number
  /** Stops accepting, lets in-flight requests finish (up to the grace period), then closes the database. */
  readonly close: () => Promise<void>
}

/** Where the API listens and what it accepts (the `[server]` and `[limits]` sections). */
export interface ServerConfig {
  readonly port: number
  readonly host: string
  /** What one request may carry (default: every default of `[limits]`). */
  readonly limits?: Limits
  /** Web origins that may call the API (default: none; any request with another `Origin` is refused). */
  readonly allowedOrigins?: ReadonlyArray<string>
  /** How long shutdown waits for in-flight requests before closing their connections. */
  readonly shutdownGraceMs: number
}

/** What a server is built from. */
export interface ServerOptions extends ServerConfig {
  /** Who may call it (the `[auth]` section); no tokens: everyone, as on a developer's machine. */
  readonly auth?: AuthSection
  /** Provides `Storage`, `Database` and `StoreStatus` (see `MemoryStore.layer`); built once, at start. */
  readonly storage: Layer.Layer<Storage.Storage | Database.Database | MemoryStore.StoreStatus, unknown>
  /** Extra layers (a logger, for example) applied to the runtime. */
  readonly runtimeLayer?: Layer.Layer<never>
  /** Log every request at debug level (with its request id). */
  readonly logRequests?: boolean
  /** Background work over the application's services (the periodic metrics log, for example). */
  readonly background?: Layer.Layer<never, never, AppServices>
  /** Metrics labels and OpenTelemetry export (the `[telemetry]` section; default: no export). */
  readonly telemetry?: Telemetry.TelemetryOptions
  /** Runs once the stack is built, before listening (start-up log lines, for example). */
  readonly onStarted?: (status: MemoryStore.StoreStatus["Type"]) => Effect.Effect<void>
}

/**
 * Builds the application runtime once (opening the database and migrating it), then listens. Fails, without
 * listening, when the storage cannot start.
 */
export const startServer = async (options: ServerOptions): Promise<RunningServer> => {
  const telemetry = options.telemetry ?? Telemetry.DEFAULTS
  const services = Layer.mergeAll(
    options.storage,
    RequestMetrics.layer,
    Access.layer(options.auth ?? { public_metrics: false, tokens: [] }),
    Lifecycle.layer,
    Telemetry.layer(telemetry)
  )
  const background = Layer.merge(
    options.background ?? Layer.empty,
    Telemetry.exportLayer(telemetry, collect, API_INFO.version)
  )
  // The runtime layer (a logger, say) is merged, not just provided: its settings must hold for every request too.
  const appLayer = Layer.provideMerge(background, services).pipe(
    Layer.provideMerge(options.runtimeLayer ?? Layer.empty)
  )
  const runtime = ManagedRuntime.make(appLayer as Layer.Layer<AppServices, unknown>)
  try {
    await runtime.runtime()
  } catch (error) {
    await runtime.dispose()
    throw error
  }
  const metrics = await runtime.runPromise(RequestMetrics.RequestMetrics)
  const onStarted = options.onStarted
  if (onStarted !== undefined) await runtime.runPromise(Effect.flatMap(MemoryStore.StoreStatus, onStarted))
  const lifecycle = await runtime.runPromise(Lifecycle.Lifecycle)
  const { app } = makeApp(runtime as ManagedRuntime.ManagedRuntime<AppServices, never>, metrics, {
    limits: options.limits ?? DEFAULT_LIMITS,
    allowedOrigins: options.allowedOrigins ?? [],
    host: options.host,
    logRequests: options.logRequests ?? false
  })
  const server = createAdaptorServer({ fetch: app.fetch, hostname: options.host }) as HttpServer
  server.listen(options.port, options.host)
  await once(server, "listening")
  const port = (server.address() as AddressInfo).port
  const host = options.host.includes(":") ? `[${options.host}]` : options.host

  let closing: Promise<void> | undefined
  const close = () => {
    closing ??= (async () => {
      lifecycle.drain()
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      server.closeIdleConnections()
      const force = setTimeout(() => server.closeAllConnections(), options.shutdownGraceMs)
      await closed
      clearTimeout(force)
      await runtime.runPromise(Effect.logInfo("server stopped; closing the database")).catch(() => undefined)
      await runtime.dispose()
    })()
    return closing
  }
  return { url: `http://${host}:${port}`, port, close }
}
