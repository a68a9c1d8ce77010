import { isNamespace } from "@memory-turso/model"
import { ConfigIssue } from "@memory-turso/store"
import * as Schema from "effect/Schema"
import { Bool, withDefault } from "../config/Sections.js"
import type { Scope } from "../http/RouteSpec.js"

/** The scopes a token can hold. */
export const SCOPES: ReadonlyArray<Scope> = ["read", "write", "admin", "metrics"]

const { expecting } = ConfigIssue

const NAME = /^[A-Za-z0-9._-]{1,64}$/
const SHA256 = /^[0-9a-fA-F]{64}$/

/** True for a namespace name, `*` (any namespace), or a prefix followed by `*`. */
export const isNamespacePattern = (s: string): boolean =>
  s === "*" || isNamespace(s) || (s.endsWith("*") && isNamespace(s.slice(0, -1)))

/** A token's hash: never echoed back in a message, whatever was written there. */
const Sha256 = Schema.String.pipe(
  Schema.filter((s) => SHA256.test(s)),
  Schema.annotations({
    message: () => ({
      message: "expected 64 hexadecimal characters: the SHA-256 of the token (the value is not shown)",
      override: true
    })
  })
)

/** One API token: its name (used in logs and metrics), the SHA-256 of its secret, its scopes and namespaces. */
export const TokenEntry = Schema.Struct({
  name: expecting(Schema.String.pipe(Schema.pattern(NAME)), "a name of 1-64 characters from [A-Za-z0-9._-]"),
  sha256: Sha256,
  scopes: expecting(
    Schema.NonEmptyArray(Schema.Literal(...SCOPES)),
    `a non-empty list of scopes from ${SCOPES.join(", ")}`
  ),
  namespaces: withDefault(
    Schema.Array(
      expecting(
        Schema.String.pipe(Schema.filter(isNamespacePattern)),
        "a namespace, or a prefix ending in * (a lone * allows every namespace)"
      )
    ),
    []
  )
})
export type TokenEntry = typeof TokenEntry.Type

/**
 * `[auth]`: who may call the API. Authentication is on as soon as one token is configured; `required` (default:
 * true when `server.host` is not a loopback address) refuses to start without one. `public_metrics` opens
 * `/metrics` to callers without a token.
 */
export const AuthSection = Schema.Struct({
  required: Schema.optionalWith(Bool, { exact: true }),
  public_metrics: withDefault(Bool, false),
  tokens: withDefault(Schema.Array(TokenEntry), [])
}).pipe(
  Schema.filter((section) => {
    const names = new Set<string>()
    const hashes = new Set<string>()
    for (const [i, token] of section.tokens.entries()) {
      if (names.has(token.name)) return { path: ["tokens", i, "name"], message: `a second token named ${token.name}` }
      names.add(token.name)
      const hash = token.sha256.toLowerCase()
      if (hashes.has(hash)) return { path: ["tokens", i, "sha256"], message: "the same hash as an earlier token" }
      hashes.add(hash)
    }
    return undefined
  })
)
export type AuthSection = typeof AuthSection.Type

/** True for addresses only this machine can reach: `localhost`, 127.0.0.0/8 and ::1. */
export const isLoopback = (host: string): boolean => {
  const h = host.toLowerCase().replace(/^\[|\]$/g, "")
  return h === "localhost" || h === "::1" || /^127\.\d+\.\d+\.\d+$/.test(h) || /^::ffff:127\.\d+\.\d+\.\d+$/.test(h)
}

/** Whether the API may start without tokens: `auth.required`, else only on a loopback host. */
export const authRequired = (auth: AuthSection, host: string): boolean => auth.required ?? !isLoopback(host)

/** The start-up rule: a server that requires authentication must have a token. One message, or none. */
export const startProblem = (auth: AuthSection, host: string): string | undefined =>
  auth.tokens.length === 0 && authRequired(auth, host)
    ? `no token is configured and the API would listen on ${host}${auth.required === true ? " with auth.required = true" : ", which is not a loopback address"}: add [[auth.tokens]] entries (or set auth.required = false to serve without authentication)`
    : undefined

/** The warning logged at every start of a server open to the network without authentication. */
export const startWarning = (auth: AuthSection, host: string): string | undefined =>
  auth.tokens.length === 0 && auth.required === false && !isLoopback(host)
    ? `auth.required = false: the API listens on ${host} without authentication; anyone who reaches it can read, overwrite and delete every namespace's memory`
    : undefined
