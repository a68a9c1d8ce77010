import { createHash, timingSafeEqual } from "node:crypto"
import { DEFAULT_NAMESPACE, type Namespace } from "@memory-turso/model"
import type { Scope } from "../http/RouteSpec.js"
import { SCOPES, type TokenEntry } from "./AuthConfig.js"

/** Who is calling: a configured token (by name), or anyone when authentication is off. */
export interface Principal {
  /** The token's name, as logs and metrics show it (`anonymous` when authentication is off). */
  readonly name: string
  readonly scopes: ReadonlySet<Scope>
  /** The namespace of requests that name none: the token's first listed namespace that is not a pattern. */
  readonly defaultNamespace: Namespace | undefined
  /** True when the principal may work in the namespace. */
  readonly allows: (namespace: Namespace) => boolean
}

/** Anyone, when no token is configured: every scope, every namespace, `default` by default. */
export const anonymous: Principal = {
  name: "anonymous",
  scopes: new Set(SCOPES),
  defaultNamespace: DEFAULT_NAMESPACE,
  allows: () => true
}

/** The principal of a configured token. */
const principalOf = (entry: TokenEntry): Principal => {
  const exact = new Set<string>()
  const prefixes: Array<string> = []
  for (const pattern of entry.namespaces) {
    if (pattern.endsWith("*")) prefixes.push(pattern.slice(0, -1))
    else exact.add(pattern)
  }
  const first = entry.namespaces[0]
  return {
    name: entry.name,
    scopes: new Set(entry.scopes),
    defaultNamespace: first !== undefined && !first.endsWith("*") ? (first as Namespace) : undefined,
    allows: (namespace) => exact.has(namespace) || prefixes.some((prefix) => namespace.startsWith(prefix))
  }
}

/** The SHA-256 of a secret, as configured tokens are kept. */
export const sha256 = (secret: string): Buffer => createHash("sha256").update(secret, "utf8").digest()

/**
 * The configured tokens, kept as SHA-256 hashes only. `authenticate` hashes the presented secret and compares it
 * with every configured hash in constant time (no early exit), so timing tells nothing about which hash, if any,
 * came close.
 */
export const makeTokens = (entries: ReadonlyArray<TokenEntry>) => {
  const tokens = entries.map((entry) => ({ hash: Buffer.from(entry.sha256, "hex"), principal: principalOf(entry) }))
  return {
    authenticate: (secret: string): Principal | undefined => {
      const presented = sha256(secret)
      let found: Principal | undefined
      for (const token of tokens) {
        if (timingSafeEqual(token.hash, presented) && found === undefined) found = token.principal
      }
      return found
    }
  }
}
