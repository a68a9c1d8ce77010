import { DEFAULT_NAMESPACE, isNamespace, type Namespace } from "@memory-turso/model"
import * as Context from "effect/Context"
import * as Layer from "effect/Layer"
import type { AuthSection } from "../auth/AuthConfig.js"
import { anonymous, makeTokens, type Principal } from "../auth/Principal.js"
import { ApiError } from "./ApiError.js"
import type { RouteSpec } from "./RouteSpec.js"
import { type AppContext, headerOf } from "./respond.js"

/** The header a request names its namespace in. */
export const NAMESPACE_HEADER = "x-memory-namespace"

/** What a request may do once let in: who it is and the namespace it works in. */
export interface Access {
  readonly principal: Principal
  /** The request's namespace (`default` on routes that work in none). */
  readonly namespace: Namespace
}

/** Requests per token name (all of them, and those refused with 403), and requests refused with 401. */
export interface AuthStats {
  readonly enabled: boolean
  readonly requests: Readonly<Record<string, number>>
  readonly denied: Readonly<Record<string, number>>
  readonly unauthenticated: number
}

const BEARER = /^Bearer +(\S+) *$/i

const unauthorized = (presented: boolean) =>
  new ApiError(
    "unauthorized",
    presented ? "the bearer token is not valid" : "this route needs a bearer token (Authorization: Bearer <token>)",
    undefined,
    {
      "www-authenticate": presented
        ? 'Bearer realm="memory-turso", error="invalid_token"'
        : 'Bearer realm="memory-turso"'
    }
  )

/**
 * Decides, synchronously, whether a request may use a route: authentication (401 `unauthorized`), the route's
 * scope (403 `forbidden`), then the namespace from `X-Memory-Namespace` or the token's default (422
 * `invalid_namespace` / `namespace_required`, 403 `forbidden_namespace`). With no token configured everyone may do
 * everything, in the `default` namespace unless the header names another. Secrets never appear in a message.
 */
export const makeAccess = (auth: AuthSection) => {
  const enabled = auth.tokens.length > 0
  const tokens = makeTokens(auth.tokens)
  const requests = new Map<string, number>()
  const denied = new Map<string, number>()
  let unauthenticated = 0
  const count = (map: Map<string, number>, name: string) => map.set(name, (map.get(name) ?? 0) + 1)

  const authenticate = (c: AppContext): Principal | ApiError => {
    if (!enabled) return anonymous
    const header = headerOf(c, "authorization")
    const secret = header === undefined ? undefined : BEARER.exec(header)?.[1]
    const principal = secret === undefined ? undefined : tokens.authenticate(secret)
    if (principal === undefined) {
      unauthenticated++
      return unauthorized(header !== undefined)
    }
    count(requests, principal.name)
    return principal
  }

  const namespaceOf = (c: AppContext, principal: Principal): Namespace | ApiError => {
    const named = headerOf(c, NAMESPACE_HEADER)
    if (named !== undefined && !isNamespace(named)) {
      return new ApiError("invalid_namespace", "X-Memory-Namespace: expected 1-128 characters from [A-Za-z0-9._:-]", [
        { path: "header.x-memory-namespace", message: "expected 1-128 characters from [A-Za-z0-9._:-] (not . or ..)" }
      ])
    }
    const namespace = named ?? principal.defaultNamespace
    if (namespace === undefined) {
      return new ApiError(
        "namespace_required",
        "this token has no default namespace: name one in the X-Memory-Namespace header"
      )
    }
    if (!principal.allows(namespace)) {
      count(denied, principal.name)
      return new ApiError("forbidden_namespace", `this token may not use namespace ${namespace}`)
    }
    return namespace
  }

  const check = (c: AppContext, spec: RouteSpec): Access | ApiError => {
    if (spec.access === "public" || (spec.access === "metrics" && auth.public_metrics)) {
      return { principal: anonymous, namespace: DEFAULT_NAMESPACE }
    }
    const principal = authenticate(c)
    if (principal instanceof ApiError) return principal
    if (!principal.scopes.has(spec.access)) {
      count(denied, principal.name)
      return new ApiError("forbidden", `this token lacks the ${spec.access} scope this route needs`)
    }
    if (!spec.namespaced) return { principal, namespace: DEFAULT_NAMESPACE }
    const namespace = namespaceOf(c, principal)
    return namespace instanceof ApiError ? namespace : { principal, namespace }
  }

  const stats = (): AuthStats => ({
    enabled,
    requests: Object.fromEntries(requests),
    denied: Object.fromEntries(denied),
    unauthenticated
  })
  return { enabled, check, stats }
}

/** Access control for one server (see `makeAccess`), and its per-token figures for `/metrics`. */
export class AccessControl extends Context.Tag("@memory-turso/api/AccessControl")<
  AccessControl,
  ReturnType<typeof makeAccess>
>() {}

/** Access control from the `[auth]` section. */
export const layer = (auth: AuthSection) => Layer.sync(AccessControl, () => makeAccess(auth))
