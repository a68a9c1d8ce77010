/**
 * A corpus of hostile requests: malformed, oversized and deeply nested bodies, injection strings in ids and filters,
 * bad ids, broken Unicode and NUL, wrong content types, cross-site origins, huge filters and vectors. Every one must
 * be refused with a typed 4xx and change nothing.
 *
 * Plain data (no test framework), so that any runner can import it. `expectStatus` (and `expectCode`) hold for an
 * API with the default `[limits]`, no tokens and no `server.allowed_origins` (the loopback default), whatever it
 * stores: no request depends on a record existing. Send exactly the given headers (no default Content-Type; `host`
 * where given replaces the client's own), and the 9 MiB body only after a moment's wait for the early 413 (the server
 * answers from `Content-Length` and does not read megabytes it will refuse): `sendHostile` does both.
 */
import { badIds, contentTypes, huge, injection, origins } from "./hostile/addresses.js"
import { malformed, nested, oversized, unicode } from "./hostile/bodies.js"
import type { HostileRequest } from "./hostile/builders.js"

export type { HostileRequest } from "./hostile/builders.js"
export { sendHostile } from "./hostile/send.js"

/** Every hostile request, grouped by kind. */
export const hostileRequests: ReadonlyArray<HostileRequest> = [
  ...malformed,
  ...oversized,
  ...nested,
  ...injection,
  ...badIds,
  ...unicode,
  ...contentTypes,
  ...origins,
  ...huge
]
