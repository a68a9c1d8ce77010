import { timestampMillis } from "@memory-turso/model"
import * as Effect from "effect/Effect"
import type { LimitKey, Limits } from "../config/LimitsSection.js"
import type { LimitIssue } from "../http/ApiError.js"
import { yieldToEventLoop } from "../http/eventLoop.js"
import type { Shape } from "./Shape.js"

/** Issues reported at most per body: the walk stops there. */
const MAX_ISSUES = 20
const DAY_MS = 86_400_000
/** Items of a long top-level list walked between two turns of the event loop (see `walkInSlices`). */
export const WALK_SLICE_ITEMS = 128

/** The field name a path ends with, where the Schema declares fields (free-form JSON has none). */
const nameOf = (shape: Shape | undefined, path: string) =>
  shape === undefined ? "" : path.slice(path.lastIndexOf(".") + 1)
const itemPath = (path: string, i: number) => `${path}${path ? "." : ""}${i}`

/** Lists that have a limit of their own, by the field name a record's Schema gives them. */
const LIST_LIMITS: Readonly<Record<string, LimitKey>> = {
  tags: "max_tags",
  vector: "max_vector_dimensions",
  ids: "max_batch_items"
}
/** Maps that have a limit of their own. */
const MAP_LIMITS: Readonly<Record<string, LimitKey>> = { metadata: "max_metadata_keys" }

/** A problem with a value that is not over a limit but can never be stored (not well-formed Unicode). */
export interface TextIssue {
  readonly path: string
  readonly message: string
}

/** What walking a body found: values over limits, text that is not well-formed Unicode, and how many values. */
export interface Findings {
  readonly limits: Array<LimitIssue>
  readonly text: Array<TextIssue>
  values: number
}

/** `String.prototype.isWellFormed` (Node 20; not in this project's TypeScript lib yet). */
const isWellFormed = (s: string): boolean => (s as unknown as { isWellFormed(): boolean }).isWellFormed()

/** UTF-8 bytes of a string, cheaply bounded: 1 to 3 bytes per UTF-16 unit. */
const utf8Over = (s: string, max: number): number | undefined => {
  if (s.length * 3 <= max) return undefined
  if (s.length > max) return s.length
  const bytes = Buffer.byteLength(s, "utf8")
  return bytes > max ? bytes : undefined
}

/**
 * Checks one parsed body against the limits, before any Schema decodes it: every string (value or key) is
 * well-formed Unicode and at most `max_text_bytes`; every list and object at most `max_list_items` (a record's
 * `tags`, `vector`, `ids` and `metadata` have limits of their own); timestamps the Schema declares fall between
 * 1970 and `max_future_days` from now. A list or object over its limit is not walked into. The walk is recursive,
 * on JSON already known to nest at most `max_json_depth` deep.
 */
export const makeRecordCheck = (limits: Limits) => {
  const over = (findings: Findings, path: string, limit: LimitKey, message: string) =>
    findings.limits.push({ path: path || "(body)", limit, message: `${message}; limits.${limit} is ${limits[limit]}` })

  const checkText = (s: string, path: string, findings: Findings, what: string) => {
    const bytes = utf8Over(s, limits.max_text_bytes)
    if (bytes !== undefined) over(findings, path, "max_text_bytes", `${what}has ${bytes} bytes`)
    if (!isWellFormed(s)) {
      findings.text.push({ path: path || "(body)", message: `${what}is not well-formed Unicode (a lone surrogate)` })
    }
  }

  const checkTimestamp = (s: string, path: string, findings: Findings, now: number) => {
    const millis = timestampMillis(s)
    if (!Number.isFinite(millis)) return // not a timestamp at all: the Schema says so
    if (millis < 0) over(findings, path, "max_future_days", "is before 1970-01-01T00:00:00Z")
    else if (millis > now + limits.max_future_days * DAY_MS) {
      over(findings, path, "max_future_days", `is more than ${limits.max_future_days} days in the future`)
    }
  }

  /** `shape` is undefined where the Schema declares nothing (free-form JSON): only the generic limits apply. */
  const check = (value: unknown, shape: Shape | undefined, path: string, findings: Findings, now: number) => {
    if (findings.limits.length + findings.text.length >= MAX_ISSUES) return
    findings.values++
    if (typeof value === "string") {
      checkText(value, path, findings, "")
      if (shape?.timestamp) checkTimestamp(value, path, findings, now)
      return
    }
    if (typeof value !== "object" || value === null) return
    if (Array.isArray(value)) {
      if (!listWithin(value, shape, path, findings)) return
      for (let i = 0; i < value.length; i++) check(value[i], shape?.items, itemPath(path, i), findings, now)
      return
    }
    const keys = keysWithin(value, shape, path, findings)
    if (keys === undefined) return
    for (const key of keys) {
      const at = fieldPath(path, key, findings)
      check((value as Record<string, unknown>)[key], shape?.fields.get(key), at, findings, now)
    }
  }

  /** Whether a list is within its limit (the record's `tags`, ... have their own); reports it if not. */
  const listWithin = (
    value: ReadonlyArray<unknown>,
    shape: Shape | undefined,
    path: string,
    findings: Findings
  ): boolean => {
    const limit = LIST_LIMITS[nameOf(shape, path)] ?? "max_list_items"
    if (value.length <= limits[limit]) return true
    over(findings, path, limit, `has ${value.length} items`)
    return false
  }

  /** An object's keys, or undefined when they are over their limit (reported). */
  const keysWithin = (value: object, shape: Shape | undefined, path: string, findings: Findings) => {
    const keys = Object.keys(value)
    const limit = MAP_LIMITS[nameOf(shape, path)] ?? "max_list_items"
    if (keys.length <= limits[limit]) return keys
    over(findings, path, limit, `has ${keys.length} keys`)
    return undefined
  }

  /** The path of a field (its key checked as text on the way). */
  const fieldPath = (path: string, key: string, findings: Findings) => {
    const at = `${path}${path ? "." : ""}${key.length > 64 ? `${key.slice(0, 64)}...` : key}`
    checkText(key, at, findings, "its key ")
    return at
  }

  /** The size check of a record as sent; true when it is over `max_record_bytes` (reported). */
  const recordOver = (value: unknown, path: string, bodyBytes: number, findings: Findings): boolean => {
    if (bodyBytes <= limits.max_record_bytes) return false
    const bytes = Buffer.byteLength(JSON.stringify(value) ?? "", "utf8")
    if (bytes <= limits.max_record_bytes) return false
    findings.limits.push({
      path: path || "(body)",
      limit: "max_record_bytes",
      message: `has ${bytes} bytes as JSON; limits.max_record_bytes is ${limits.max_record_bytes}`
    })
    return true
  }

  /**
   * `walk` as an effect that lets the event loop turn every `WALK_SLICE_ITEMS` items of a long list in the body's
   * top-level object (an episode's `steps`): the same findings, in the same order, in bounded pieces.
   */
  const walkInSlices = (
    value: unknown,
    shape: Shape,
    path: string,
    bodyBytes: number,
    findings: Findings,
    record = true
  ): Effect.Effect<void> =>
    Effect.gen(function* () {
      if (record && recordOver(value, path, bodyBytes, findings)) return
      const now = Date.now()
      if (typeof value !== "object" || value === null || Array.isArray(value))
        return check(value, shape, path, findings, now)
      if (findings.limits.length + findings.text.length >= MAX_ISSUES) return
      findings.values++
      const keys = keysWithin(value, shape, path, findings)
      if (keys === undefined) return
      for (const key of keys) {
        const at = fieldPath(path, key, findings)
        const field = (value as Record<string, unknown>)[key]
        const fieldShape = shape.fields.get(key)
        if (!Array.isArray(field) || field.length < WALK_SLICE_ITEMS) {
          check(field, fieldShape, at, findings, now)
          continue
        }
        if (findings.limits.length + findings.text.length >= MAX_ISSUES) return
        findings.values++
        if (!listWithin(field, fieldShape, at, findings)) continue
        for (let i = 0; i < field.length; i++) {
          if (i > 0 && i % WALK_SLICE_ITEMS === 0) yield* yieldToEventLoop
          check(field[i], fieldShape?.items, itemPath(at, i), findings, now)
        }
        yield* yieldToEventLoop
      }
    })

  /**
   * Checks one record (or any body) at `path`: its size as sent when it may be over `max_record_bytes` (`bodyBytes`
   * bounds it: JSON re-encoded is never longer than the text it was parsed from), then every value in it.
   */
  const walk = (value: unknown, shape: Shape, path: string, bodyBytes: number, findings: Findings, record = true) => {
    if (record && recordOver(value, path, bodyBytes, findings)) return
    check(value, shape, path, findings, Date.now())
  }
  return Object.assign(walk, { inSlices: walkInSlices })
}

/** See `makeRecordCheck`. */
export type RecordCheck = ReturnType<typeof makeRecordCheck>

/** No findings yet. */
export const noFindings = (): Findings => ({ limits: [], text: [], values: 0 })
