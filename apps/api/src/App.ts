import { CachedStorage } from "@memory-turso/storage-core"
import * as Effect from "effect/Effect"
import type { ManagedRuntime } from "effect/ManagedRuntime"
import * as Option from "effect/Option"
import { Hono } from "hono"
import { matchedRoutes } from "hono/route"
import { TrieRouter } from "hono/router/trie-router"
import { isLoopback } from "./auth/AuthConfig.js"
import type { Limits } from "./config/LimitsSection.js"
import { AccessControl } from "./http/Access.js"
import * as ApiError from "./http/ApiError.js"
import { makeBodies } from "./http/body.js"
import { makeOrigins } from "./http/Origins.js"
import type { RequestMetrics } from "./http/RequestMetrics.js"
import { makeRoutes, type Routes } from "./http/Routes.js"
import {
  type AppContext,
  type AppEnv,
  type AppServices,
  errorResponse,
  makeRun,
  makeServe,
  type Observe,
  withSpanOf
} from "./http/respond.js"
import { mountCompression } from "./routes/compression.js"
import type { Hot } from "./routes/documents.js"
import { mountEmbeddings } from "./routes/embeddings.js"
import { mountMemory } from "./routes/memory.js"
import { mountOperations } from "./routes/operations.js"
import { mountProbes } from "./routes/probes.js"
import { mountRecall } from "./routes/recall.js"
import { mountReference } from "./routes/reference.js"
import { Telemetry } from "./telemetry/Telemetry.js"

/** Options of the HTTP application. */
export interface AppOptions {
  /** What one request may carry (`[limits]`). */
  readonly limits: Limits
  /** Web origins that may call the API, with CORS (`server.allowed_origins`); any other `Origin` is refused. */
  readonly allowedOrigins: ReadonlyArray<string>
  /**
   * The address the server listens on: on a loopback one, a request whose `Host` names another site is refused
   * (DNS rebinding). Default: not checked.
   */
  readonly host?: string
  /** Log every request (method, route, status, latency, request id) at debug level. */
  readonly logRequests?: boolean
}

/** The route a request matched, as registered (`GET /episodes/:id`), or `unmatched`. */
const routeOf = (c: AppContext): string => {
  const route = matchedRoutes(c).findLast((r) => r.method !== "ALL")
  return route === undefined ? "unmatched" : `${route.method} ${route.path}`
}

/**
 * The methods each registered path answers, for telling 405 from 404 once nothing matched: a lookup on the
 * not-found path only, so matched requests keep Hono's single-handler fast path.
 */
const methodsByPath = (app: Hono<AppEnv>) => {
  const paths = new Map<string, Set<string>>()
  for (const route of app.routes) {
    if (route.method === "ALL" || route.path === "*" || route.path === "/*") continue
    const methods = paths.get(route.path) ?? new Set<string>()
    methods.add(route.method)
    if (route.method === "GET") methods.add("HEAD")
    paths.set(route.path, methods)
  }
  const router = new TrieRouter<ReadonlyArray<string>>()
  for (const [path, methods] of paths) router.add("ALL", path, [...methods])
  return (path: string): ReadonlyArray<string> => [
    ...new Set(router.match("ALL", path)[0].flatMap(([methods]) => methods))
  ]
}

/** The Hono application and the routes it declares (for the API description). */
export interface App {
  readonly app: Hono<AppEnv>
  readonly routes: Routes
}

/** The Hono application over a runtime that provides storage, metrics and access control. */
export const makeApp = (
  runtime: ManagedRuntime<AppServices, never>,
  metrics: RequestMetrics["Type"],
  options: AppOptions
): App => {
  const app = new Hono<AppEnv>()
  // No middleware on the way of a read: any middleware makes every response asynchronous. The request id, the
  // per-route metrics and the debug log line happen in `run` (and in the fallback handlers below).
  const telemetry = runtime.runSync(Telemetry)
  const observe: Observe = (c, response, ms, known) => {
    const route = known ?? routeOf(c)
    metrics.record(route, response.status, ms)
    telemetry.recordRequest(route, c.req.method, response.status, ms)
    if (options.logRequests) {
      runtime.runFork(
        Effect.logDebug("request").pipe(
          Effect.annotateLogs({
            request_id: c.get("requestId"),
            method: c.req.method,
            route,
            status: response.status,
            ms: Math.round(ms * 1000) / 1000
          }),
          withSpanOf(c)
        )
      )
    }
  }
  const run = makeRun(runtime, observe, routeOf)
  const hot: Hot = {
    serve: makeServe(observe),
    cache: Option.getOrUndefined(runtime.runSync(Effect.serviceOption(CachedStorage.StorageCache)))
  }
  const unmatched = (c: AppContext, response: Response) => {
    observe(c, response, 0)
    return response
  }

  // Bodies are read within the limits by the routes that take one (`http/body.ts`); the origin and a body's
  // headers are checked before any route's work (`http/Routes.ts`).
  const origins = makeOrigins(options.allowedOrigins, {
    loopback: options.host !== undefined && isLoopback(options.host)
  })
  const routes = makeRoutes(app, runtime.runSync(AccessControl), hot.serve, {
    origins,
    bodies: makeBodies(options.limits),
    onNamespace: telemetry.recordNamespace
  })
  mountMemory(routes, run, hot)
  mountEmbeddings(routes, run)
  mountRecall(routes, run)
  mountOperations(routes, run)
  mountProbes(routes, run, hot.serve)
  mountCompression(routes, run)
  mountReference(routes, run)
  const allowedOn = methodsByPath(app)
  const notFound = (c: AppContext) => {
    const allowed = allowedOn(c.req.path)
    return unmatched(
      c,
      origins.decorate(
        c,
        allowed.length > 0
          ? errorResponse(c, ApiError.methodNotAllowed(c.req.method, allowed), { allow: allowed.join(", ") })
          : errorResponse(c, ApiError.routeNotFound(c.req.method, c.req.path))
      )
    )
  }
  // A CORS preflight: answered for allowed origins, refused for others; without an Origin, OPTIONS is no method here.
  app.options("*", (c) => {
    const refused = origins.check(c)
    if (refused !== undefined) return unmatched(c, errorResponse(c, refused))
    const allowed = allowedOn(c.req.path)
    const preflight = allowed.length > 0 ? origins.preflight(c, allowed) : undefined
    return preflight === undefined ? notFound(c) : unmatched(c, preflight)
  })
  app.notFound(notFound)
  app.onError((_error, c) => errorResponse(c, ApiError.internalError()))
  return { app, routes }
}
