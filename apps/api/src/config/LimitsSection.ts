import { MAX_DIMENSIONS } from "@memory-turso/model"
import { ConfigIssue } from "@memory-turso/store"
import * as Schema from "effect/Schema"
import { PositiveInt, withDefault } from "./Sections.js"

const { expecting } = ConfigIssue

const KiB = 1024
const MiB = 1024 * KiB

const between = (min: number, max: number) =>
  expecting(Schema.Int.pipe(Schema.between(min, max)), `an integer ${min}-${max}`)

/** The keys of `[limits]` as written, each with its default. */
const LimitsFields = Schema.Struct({
  /** The request body, in bytes (413 `payload_too_large`); `server.max_body_bytes` is its old name. */
  max_body_bytes: withDefault(PositiveInt, 8 * MiB),
  /** One record's JSON as sent (an episode, pattern or heuristic), in bytes. */
  max_record_bytes: withDefault(PositiveInt, 1 * MiB),
  /** Any one string in a record (a text field, a map key), in UTF-8 bytes. */
  max_text_bytes: withDefault(PositiveInt, 256 * KiB),
  /** Any list (or object's keys) in a record. */
  max_list_items: withDefault(PositiveInt, 10_000),
  /** A record's `tags` (and its context's). */
  max_tags: withDefault(PositiveInt, 256),
  /** A `metadata` map's keys. */
  max_metadata_keys: withDefault(PositiveInt, 256),
  /** How deeply the body's JSON nests (`{}` is 1), checked on the raw text before parsing. */
  max_json_depth: withDefault(between(2, 256), 32),
  /** Records per batch write, ids per batch read. */
  max_batch_items: withDefault(PositiveInt, 1000),
  /** Tag plus metadata filters in one query string. */
  max_filters: withDefault(PositiveInt, 64),
  /** An embedding's or a similarity query's vector. */
  max_vector_dimensions: withDefault(between(1, MAX_DIMENSIONS), 4096),
  /** How far past now a stored timestamp may be, in days (none may be before 1970). */
  max_future_days: withDefault(between(0, 36_500), 365),
  /** The byte budget of one page (list or search) or batch read: a page stops early with its `next_cursor`. */
  max_response_bytes: withDefault(PositiveInt, 4 * MiB)
})

/**
 * `[limits]`: what one request may carry, checked before any unbounded work (see the README's limits table). Sized
 * for real agent episodes (a few KB to a few hundred KB). A record never exceeds the body, nor a text the record:
 * a smaller body limit (an operator's old `server.max_body_bytes = 1048576`, say) caps the other two.
 */
export const LimitsSection = Schema.transform(LimitsFields, Schema.typeSchema(LimitsFields), {
  strict: true,
  decode: (limits) => {
    const record = Math.min(limits.max_record_bytes, limits.max_body_bytes)
    return { ...limits, max_record_bytes: record, max_text_bytes: Math.min(limits.max_text_bytes, record) }
  },
  encode: (limits) => limits
})

/** The decoded `[limits]` section. */
export type Limits = Schema.Schema.Type<typeof LimitsSection>

/** The name of one limit (a key of `[limits]`). */
export type LimitKey = keyof Limits

/** The limits with every default. */
export const DEFAULT_LIMITS: Limits = Schema.decodeUnknownSync(LimitsSection)({})

/** The old name of `limits.max_body_bytes`, still read from a file. */
const ALIAS = "server.max_body_bytes"

/**
 * Moves `server.max_body_bytes` (the old name) to `limits.max_body_bytes`, mutating `sections`, so that one key
 * holds the body limit. A value set from the environment (`MAX_BODY_BYTES`) wins over both; the two names set to
 * different values in the file is a problem. Returns problems and warnings.
 */
export const moveBodyLimitAlias = (
  sections: Record<string, unknown>,
  origins: Map<string, string>
): { readonly issues: ReadonlyArray<ConfigIssue.ConfigIssue>; readonly warnings: ReadonlyArray<string> } => {
  const server = sections["server"]
  if (typeof server !== "object" || server === null || !("max_body_bytes" in server))
    return { issues: [], warnings: [] }
  const { max_body_bytes: old, ...rest } = server as Record<string, unknown>
  sections["server"] = rest
  const warnings = [`${ALIAS}: renamed limits.max_body_bytes (still read; set that key instead)`]
  if (origins.has("limits.max_body_bytes")) return { issues: [], warnings }
  const limits = sections["limits"]
  const current = typeof limits === "object" && limits !== null ? (limits as Record<string, unknown>) : {}
  if ("max_body_bytes" in current && current["max_body_bytes"] !== old) {
    return {
      issues: [
        {
          path: ALIAS,
          message: `is the old name of limits.max_body_bytes, which is set to another value: set only limits.max_body_bytes`
        }
      ],
      warnings: []
    }
  }
  sections["limits"] = { ...current, max_body_bytes: old }
  origins.set("limits.max_body_bytes", ALIAS)
  return { issues: [], warnings }
}
