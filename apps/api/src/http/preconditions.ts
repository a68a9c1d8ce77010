import * as Effect from "effect/Effect"
import { ApiError, validationFailed } from "./ApiError.js"
import { type AppContext, headerOf } from "./respond.js"

/** A record's version as a strong entity tag: `"3"`. */
export const etagOf = (version: number | undefined): Record<string, string> =>
  version === undefined ? {} : { etag: `"${version}"` }

/** One strong entity tag holding a version. */
const STRONG_VERSION_TAG = /^"([1-9][0-9]{0,14})"$/

/** What `If-Match` takes here, for messages and the API description. */
export const IF_MATCH_EXPECTED = 'one strong entity tag holding the version, such as "3" (no lists, no *, no W/)'

/**
 * The version `If-Match` requires (`"3"` from an `ETag`), or none without the header; another form is a 422
 * `validation_failed` naming the header, before anything is read or written.
 */
export const readIfMatch = (c: AppContext): Effect.Effect<number | undefined, ApiError> => {
  const header = headerOf(c, "if-match")
  if (header === undefined) return Effect.succeed(undefined)
  const match = STRONG_VERSION_TAG.exec(header.trim())
  return match === null
    ? Effect.fail(validationFailed([{ path: "If-Match", message: `expected ${IF_MATCH_EXPECTED}` }]))
    : Effect.succeed(Number(match[1]))
}

/**
 * Routes that write no single record (batches) have no version to compare: an `If-Match` there cannot hold, so it
 * answers 412 rather than being ignored.
 */
export const refuseIfMatch = (c: AppContext): Effect.Effect<void, ApiError> =>
  headerOf(c, "if-match") === undefined
    ? Effect.void
    : Effect.fail(
        new ApiError("precondition_failed", "If-Match applies to one record's writes; a batch has no version")
      )

/** The version at the end of a record's JSON, as the store writes it (`...,"version":3}`). */
export const versionInJson = (json: string): number | undefined => {
  const at = json.lastIndexOf('"version":')
  if (at < 0) return undefined
  const version = Number.parseInt(json.slice(at + '"version":'.length), 10)
  return Number.isSafeInteger(version) ? version : undefined
}
