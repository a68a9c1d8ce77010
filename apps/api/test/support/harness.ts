import type { Codec } from "@memory-turso/compression"
import { DEFAULT_NAMESPACE, Namespace } from "@memory-turso/model"
import { Database, DatabaseUnavailable, Pool } from "@memory-turso/pool"
import { Storage } from "@memory-turso/storage-core"
import { MemoryStore } from "@memory-turso/store"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import { makeApp } from "../../src/App.js"
import * as AppConfig from "../../src/config/AppConfig.js"
import * as Access from "../../src/http/Access.js"
import * as Lifecycle from "../../src/http/Lifecycle.js"
import * as RequestMetrics from "../../src/http/RequestMetrics.js"
import type { AppServices } from "../../src/http/respond.js"
import * as Telemetry from "../../src/telemetry/Telemetry.js"

/** A switch that makes every database call fail as unavailable while it is on. */
export interface Outage {
  on: boolean
}

/** Wraps the real database so tests can simulate it not answering. */
const withOutage = (outage: Outage) =>
  Layer.effect(
    Database.Database,
    Effect.map(Database.Database, (db) => {
      const guard = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
        Effect.suspend(
          (): Effect.Effect<A, E | DatabaseUnavailable, R> =>
            outage.on
              ? Effect.fail(new DatabaseUnavailable({ operation: "test", message: "simulated outage" }))
              : effect
        )
      return Database.Database.of({
        ...db,
        execute: (s) => guard(db.execute(s)),
        batch: (s, m) => guard(db.batch(s, m))
      })
    })
  )

/** A configuration from environment-style settings and an optional TOML file. */
export const configFrom = async (env: Record<string, string> = {}, file?: string) => {
  const loaded = await Effect.runPromise(AppConfig.load({ env, file }))
  return loaded.config
}

/**
 * An API application over a fresh temporary database, driven through `app.request`. The stack is the real one
 * the configuration builds (cache off unless `env` turns it on), over a database that tests can take down.
 */
export const makeHarness = async (
  options: {
    /** Overrides `limits.max_body_bytes`. */
    maxBodyBytes?: number
    env?: Record<string, string>
    /** A TOML configuration file (the environment over it, as in the API). */
    file?: string
    loadZstd?: Codec.ZstdLoader
    /** Changes the decoded configuration (to reach states validation would refuse). */
    configure?: (config: AppConfig.AppConfig) => AppConfig.AppConfig
    /** An existing database (default: a fresh temporary one). */
    databaseUrl?: string
  } = {}
) => {
  const outage: Outage = { on: false }
  const loaded = await configFrom({ ENABLE_CACHE: "false", ...options.env }, options.file)
  // No retry backoff by default: outage tests would wait for it.
  const base = { ...loaded, retry: { ...loaded.retry, max_retries: 0 } }
  const config = options.configure?.(base) ?? base
  const pool = Layer.unwrapScoped(
    Effect.map(options.databaseUrl === undefined ? Pool.temporaryUrl : Effect.succeed(options.databaseUrl), (url) =>
      Pool.layer({
        url,
        statementCacheSize: config.database.statement_cache_size,
        requestTimeoutMs: config.database.request_timeout_secs * 1000
      })
    )
  )
  const database = withOutage(outage).pipe(Layer.provideMerge(pool))
  const layer = Layer.mergeAll(
    MemoryStore.layer(config, {
      database,
      idempotencyWindow: Duration.seconds(config.server.idempotency_window_secs),
      maxResponseBytes: config.limits.max_response_bytes,
      ...(options.loadZstd ? { loadZstd: options.loadZstd } : {})
    }),
    RequestMetrics.layer,
    Access.layer(config.auth),
    Lifecycle.layer,
    Telemetry.layer({ namespaceLabels: config.telemetry.namespace_labels })
  )
  const runtime = ManagedRuntime.make(layer)
  const metrics = await runtime.runPromise(RequestMetrics.RequestMetrics)
  const { app, routes } = makeApp(runtime as ManagedRuntime.ManagedRuntime<AppServices, never>, metrics, {
    limits: { ...config.limits, max_body_bytes: options.maxBodyBytes ?? config.limits.max_body_bytes },
    allowedOrigins: config.server.allowed_origins,
    host: config.server.host
  })
  const request = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const init: RequestInit = { method, headers: { "content-type": "application/json", ...headers } }
    if (body !== undefined) init.body = typeof body === "string" ? body : JSON.stringify(body)
    const response = await app.request(path, init)
    const text = await response.text()
    let json: any
    try {
      json = text === "" ? undefined : JSON.parse(text)
    } catch {
      json = undefined
    }
    return { status: response.status, headers: response.headers, text, json }
  }
  const counts = (namespace: string = DEFAULT_NAMESPACE) =>
    runtime.runPromise(Effect.flatMap(Storage.Storage, (s) => s.counts(Namespace.make(namespace))))
  const dbStats = () => runtime.runPromise(Effect.flatMap(Database.Database, (d) => d.stats))
  const lifecycle = await runtime.runPromise(Lifecycle.Lifecycle)
  return { app, routes, request, counts, dbStats, outage, lifecycle, runtime, dispose: () => runtime.dispose() }
}

export type Harness = Awaited<ReturnType<typeof makeHarness>>
