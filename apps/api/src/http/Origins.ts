import { isLoopback } from "../auth/AuthConfig.js"
import { type ApiError, forbiddenOrigin } from "./ApiError.js"
import { type AppContext, headerOf, send } from "./respond.js"

/** Request headers a browser on an allowed origin may send (the preflight's answer). */
const ALLOWED_HEADERS = "authorization, content-type, x-memory-namespace, x-request-id, if-match, idempotency-key"
/** Response headers a browser on an allowed origin may read besides the simple ones. */
const EXPOSED_HEADERS = "x-request-id, www-authenticate, allow, retry-after, etag"
/** How long a browser may reuse a preflight's answer, in seconds. */
const PREFLIGHT_MAX_AGE = "600"

const REBOUND =
  "this request's Host names another site: a page rebound by DNS to this loopback address is refused (use localhost)"

/** The host name of a `Host` header (`[::1]:3000` -> `[::1]`, `localhost:3000` -> `localhost`), lower case. */
const hostNameOf = (host: string): string =>
  (host.startsWith("[") ? host.slice(0, host.indexOf("]") + 1) : host.split(":")[0]!).toLowerCase()

/**
 * Which web origins may call the API (`server.allowed_origins`; none by default). A request whose `Origin` is not one
 * of them is refused (403 `forbidden_origin`) before any other work, and so is a browser's cross-site request that
 * sends no `Origin` (`Sec-Fetch-Site: cross-site`), except a person following a link (`Sec-Fetch-Mode: navigate` on
 * GET). That stops cross-site form posts and DNS rebinding from writing to a local API. Allowed origins get CORS
 * headers on every answer and an answer to their preflight; no other origin gets any. With `loopback` (the server
 * listens on a loopback address), a request whose `Host` names another site is refused too: a page whose name was
 * rebound by DNS to 127.0.0.1 reads same-origin, sends no `Origin` on a GET, but still sends its own `Host`.
 */
export const makeOrigins = (allowed: ReadonlyArray<string>, options: { readonly loopback?: boolean } = {}) => {
  const origins = new Set(allowed.map((origin) => origin.toLowerCase()))
  const hosts = new Set(allowed.map((origin) => new URL(origin).hostname.toLowerCase()))
  const localHost = (name: string) => isLoopback(name) || name.endsWith(".localhost") || hosts.has(name)
  const allowedOrigin = (c: AppContext): string | undefined => {
    const origin = headerOf(c, "origin")
    return origin !== undefined && origins.has(origin.toLowerCase()) ? origin : undefined
  }

  /** A refusal for a cross-site request, or undefined when the request may go on. */
  const check = (c: AppContext): ApiError | undefined => {
    if (options.loopback) {
      const host = headerOf(c, "host")
      if (host !== undefined && !localHost(hostNameOf(host))) return forbiddenOrigin(REBOUND)
    }
    const origin = headerOf(c, "origin")
    if (origin !== undefined) return origins.has(origin.toLowerCase()) ? undefined : forbiddenOrigin()
    if (headerOf(c, "sec-fetch-site") !== "cross-site") return undefined
    const navigation = headerOf(c, "sec-fetch-mode") === "navigate" && c.req.method === "GET"
    return navigation ? undefined : forbiddenOrigin()
  }

  const corsHeaders = (origin: string): Record<string, string> => ({
    "access-control-allow-origin": origin,
    "access-control-expose-headers": EXPOSED_HEADERS,
    vary: "Origin"
  })

  /** Adds CORS headers to an answer to an allowed origin (nothing else is touched). */
  const decorate = <R extends Response | Promise<Response>>(c: AppContext, response: R): R => {
    if (origins.size === 0) return response
    const origin = allowedOrigin(c)
    if (origin === undefined) return response
    const add = (r: Response) => {
      for (const [name, value] of Object.entries(corsHeaders(origin))) r.headers.set(name, value)
      return r
    }
    return (response instanceof Promise ? response.then(add) : add(response as Response)) as R
  }

  /**
   * The answer to a CORS preflight (`OPTIONS` with `Access-Control-Request-Method`) from an allowed origin for a path
   * that answers `methods`; undefined when the request is no preflight from an allowed origin.
   */
  const preflight = (c: AppContext, methods: ReadonlyArray<string>): Response | undefined => {
    const origin = allowedOrigin(c)
    if (origin === undefined || headerOf(c, "access-control-request-method") === undefined) return undefined
    return send(c, 204, null, {
      ...corsHeaders(origin),
      "access-control-allow-methods": methods.join(", "),
      "access-control-allow-headers": ALLOWED_HEADERS,
      "access-control-max-age": PREFLIGHT_MAX_AGE
    })
  }

  return { check, decorate, preflight }
}

/** See `makeOrigins`. */
export type Origins = ReturnType<typeof makeOrigins>
