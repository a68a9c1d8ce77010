import type { Hono } from "hono"
import type { Access, AccessControl } from "./Access.js"
import { ApiError } from "./ApiError.js"
import type { Bodies } from "./body.js"
import { bodyHeadersError, DEFAULT_MEDIA_TYPE } from "./MediaType.js"
import type { Origins } from "./Origins.js"
import { type RouteSpec, routeKey } from "./RouteSpec.js"
import { type AppContext, type AppEnv, errorResponse, type Serve } from "./respond.js"

/** A route handler, called once the request is let in, with who is calling and in which namespace. */
export type Handler = (c: AppContext, access: Access) => Response | Promise<Response>

/** The application's routes: each declared once, registered with its access rule, listed for the API description. */
export interface Routes {
  readonly specs: ReadonlyArray<RouteSpec>
  readonly add: (spec: RouteSpec, handler: Handler) => void
  /** Body readers under the server's `[limits]`. */
  readonly bodies: Bodies
}

/** What every request passes before its route's handler: the origin and body checks, the limits. */
export interface Gate {
  readonly origins: Origins
  readonly bodies: Bodies
  /** Told the namespace of each request let in to a namespaced route (per-namespace metrics). */
  readonly onNamespace?: (namespace: string) => void
}

/**
 * Registers routes on `app` behind the gate and `access`, each check synchronous and answered at once: a
 * cross-site origin (403), then a body the route cannot take by its headers (413 declared too large, 415 wrong media
 * type), then authentication, scope and namespace (401, 403, 422); a request let through runs the handler. Every
 * answer to an allowed origin carries CORS headers.
 */
export const makeRoutes = (app: Hono<AppEnv>, access: AccessControl["Type"], serve: Serve, gate: Gate): Routes => {
  const specs: Array<RouteSpec> = []
  const { bodies, origins } = gate
  return {
    specs,
    bodies,
    add: (spec, handler) => {
      specs.push(spec)
      const key = routeKey(spec)
      const mediaType = spec.mediaType ?? DEFAULT_MEDIA_TYPE
      app.on(spec.method, spec.path, (c) => {
        const refused =
          origins.check(c) ?? bodyHeadersError(c, mediaType, bodies.limits.max_body_bytes) ?? access.check(c, spec)
        if (refused instanceof ApiError)
          return origins.decorate(
            c,
            serve(c, key, () => errorResponse(c, refused))
          )
        if (spec.namespaced) gate.onNamespace?.(refused.namespace)
        return origins.decorate(c, handler(c, refused))
      })
    }
  }
}
