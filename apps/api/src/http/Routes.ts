import type { Hono } from "hono"
import type { Access, AccessControl } from "./Access.js"
import { ApiError } from "./ApiError.js"
import { type RouteSpec, routeKey } from "./RouteSpec.js"
import { type AppContext, type AppEnv, errorResponse, type Serve } from "./respond.js"

/** A route handler, called once the request is let in, with who is calling and in which namespace. */
export type Handler = (c: AppContext, access: Access) => Response | Promise<Response>

/** The application's routes: each declared once, registered with its access rule, listed for the API description. */
export interface Routes {
  readonly specs: ReadonlyArray<RouteSpec>
  readonly add: (spec: RouteSpec, handler: Handler) => void
}

/**
 * Registers routes on `app` behind `access`: a request that may not use a route is answered at once (401, 403 or
 * 422), synchronously, and observed like any other; one that may runs the handler.
 */
export const makeRoutes = (app: Hono<AppEnv>, access: AccessControl["Type"], serve: Serve): Routes => {
  const specs: Array<RouteSpec> = []
  return {
    specs,
    add: (spec, handler) => {
      specs.push(spec)
      const key = routeKey(spec)
      app.on(spec.method, spec.path, (c) => {
        const allowed = access.check(c, spec)
        return allowed instanceof ApiError ? serve(c, key, () => errorResponse(c, allowed)) : handler(c, allowed)
      })
    }
  }
}
