import * as Schema from "effect/Schema"
import { Identifier, isIdentifier } from "./Identifier.js"

/**
 * A namespace: the owner every record belongs to (a team, a user, an agent). 1-128 characters from
 * `[A-Za-z0-9._:-]` (not "." or ".."), the same rule as ids. The same id in two namespaces names two records.
 */
export const Namespace = Identifier.pipe(
  Schema.brand("@memory-turso/Namespace"),
  Schema.annotations({ identifier: "Namespace" })
)
/** A checked namespace name; make one with `Namespace.make(name)` (throws on an invalid name) or by decoding. */
export type Namespace = typeof Namespace.Type

/** True when `s` is a valid namespace name. */
export const isNamespace = (s: string): s is Namespace => isIdentifier(s)

/** The namespace of records written without one, and of every record stored before namespaces existed. */
export const DEFAULT_NAMESPACE: Namespace = Namespace.make("default")
