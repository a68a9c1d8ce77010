import * as Schema from "effect/Schema"

/**
 * A record's version: 1 when it is created, one more on each write. The server sets it; a `version` sent in a
 * request body is ignored (send `If-Match: "<version>"` to make a write conditional). Responses carry it in the
 * body and, for one record, as a strong `ETag` (`"3"`).
 */
export const RecordVersion = Schema.Int.pipe(
  Schema.positive(),
  Schema.annotations({
    identifier: "RecordVersion",
    description: "1 when the record was created, one more on each write; set by the server (ignored on input)"
  })
)

/** The optional `version` property every record kind carries. */
export const versionProperty = Schema.optionalWith(RecordVersion, { exact: true })
