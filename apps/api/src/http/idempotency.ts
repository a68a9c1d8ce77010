import { createHash } from "node:crypto"
import type { IdempotencyKey, IdempotencyKeyUsed } from "@memory-turso/storage-core"
import * as Effect from "effect/Effect"
import type { StatusCode } from "hono/utils/http-status"
import { ApiError, malformedJson, validationFailed } from "./ApiError.js"
import { receivedBody } from "./body.js"
import { type AppContext, headerOf, send } from "./respond.js"

/** A key: 1-255 visible ASCII characters, optionally as a quoted string (`"..."`, as structured headers send it). */
const KEY = /^"?([\x21\x23-\x7e]{1,255})"?$/

/** What `Idempotency-Key` takes, for messages and the API description. */
export const KEY_EXPECTED = "1-255 visible ASCII characters (optionally in double quotes)"

/**
 * The request's idempotency key, with the fingerprint that tells its request apart from another sent with the same
 * key: a SHA-256 of the method, the path and the body as received. None without the header; a malformed key is a
 * 422 `validation_failed` naming the header.
 */
export const readIdempotencyKey = (c: AppContext): Effect.Effect<IdempotencyKey | undefined, ApiError> => {
  const header = headerOf(c, "idempotency-key")
  if (header === undefined) return Effect.succeed(undefined)
  const match = KEY.exec(header)
  if (match === null || header.startsWith('"') !== header.endsWith('"')) {
    return Effect.fail(validationFailed([{ path: "Idempotency-Key", message: `expected ${KEY_EXPECTED}` }]))
  }
  const key = match[1]!
  const read = receivedBody(c)
  const body: Effect.Effect<Uint8Array, ApiError> =
    read !== undefined
      ? Effect.succeed(read)
      : Effect.tryPromise({
          try: async () => new Uint8Array(await c.req.arrayBuffer()),
          catch: () => malformedJson("the body could not be read")
        })
  return Effect.map(body, (body) => ({
    key,
    fingerprint: createHash("sha256").update(`${c.req.method} ${c.req.path}\n`).update(body).digest("hex")
  }))
}

/**
 * The answer to a write whose key was used before: the first write's response, byte for byte (with
 * `Idempotent-Replayed: true` and any `headers`), when this is the same request; else a 422
 * `idempotency_key_reused`.
 */
export const answerRecorded = (
  c: AppContext,
  key: IdempotencyKey | undefined,
  used: IdempotencyKeyUsed,
  headers: (body: string) => Record<string, string> = () => ({})
): Effect.Effect<Response, ApiError> =>
  key !== undefined && used.recorded.fingerprint === key.fingerprint
    ? Effect.succeed(
        send(c, used.recorded.status as StatusCode, used.recorded.body, {
          "content-type": "application/json; charset=utf-8",
          "idempotent-replayed": "true",
          ...headers(used.recorded.body)
        })
      )
    : Effect.fail(
        new ApiError(
          "idempotency_key_reused",
          "this Idempotency-Key was used in this namespace for a different request; use a new key"
        )
      )
