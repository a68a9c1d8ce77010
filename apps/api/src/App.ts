import * as Effect from "effect/Effect"
import type { ManagedRuntime } from "effect/ManagedRuntime"
import { Hono } from "hono"
import { bodyLimit } from "hono/body-limit"
import { methodNotAllowed } from "hono/method-not-allowed"
import { requestId } from "hono/request-id"
import { matchedRoutes } from "hono/route"
import * as ApiError from "./http/ApiError.js"
import type { RequestMetrics } from "./http/RequestMetrics.js"
import { type AppServices, errorResponse, makeRun } from "./http/respond.js"
import { mountEmbeddings } from "./routes/embeddings.js"
import { mountMemory } from "./routes/memory.js"
import { mountOperations } from "./routes/operations.js"

/** Options of the HTTP application. */
export interface AppOptions {
  /** Largest accepted request body in bytes. */
  readonly maxBodyBytes: number
  /** Log every request (method, route, status, latency, request id) at debug level. */
  readonly logRequests?: boolean
}

/** The route a request matched, as registered (`GET /episodes/:id`), or `unmatched`. */
const routeOf = (c: Parameters<Parameters<Hono["use"]>[1]>[0]): string => {
  const route = matchedRoutes(c).findLast((r) => r.method !== "ALL")
  return route === undefined ? "unmatched" : `${route.method} ${route.path}`
}

/** The Hono application over a runtime that provides storage and metrics. */
export const makeApp = (
  runtime: ManagedRuntime<AppServices, never>,
  metrics: RequestMetrics["Type"],
  options: AppOptions
): Hono => {
  const app = new Hono()
  const run = makeRun(runtime)

  app.use(requestId({ limitLength: 128 }))
  app.use(async (c, next) => {
    const start = performance.now()
    await next()
    const ms = performance.now() - start
    const route = routeOf(c)
    metrics.record(route, c.res.status, ms)
    if (options.logRequests) {
      runtime.runFork(
        Effect.logDebug("request").pipe(
          Effect.annotateLogs({
            request_id: c.get("requestId"),
            method: c.req.method,
            route,
            status: c.res.status,
            ms: Math.round(ms * 1000) / 1000
          })
        )
      )
    }
  })
  app.use(
    methodNotAllowed({
      app,
      onMethodNotAllowed: (c, methods) => {
        c.header("Allow", methods.join(", "))
        return errorResponse(c, ApiError.methodNotAllowed(c.req.method, methods))
      }
    })
  )
  const limitBody = bodyLimit({
    maxSize: options.maxBodyBytes,
    onError: (c) => errorResponse(c, ApiError.payloadTooLarge(options.maxBodyBytes))
  })
  // Only methods with a body: touching the body of a GET makes the adapter build a full Request object.
  app.use((c, next) =>
    c.req.method === "GET" || c.req.method === "HEAD" || c.req.method === "DELETE" ? next() : limitBody(c, next)
  )

  mountMemory(app, run)
  mountEmbeddings(app, run)
  mountOperations(app, run)

  app.notFound((c) => errorResponse(c, ApiError.routeNotFound(c.req.method, c.req.path)))
  app.onError((_error, c) => errorResponse(c, ApiError.internalError()))
  return app
}
