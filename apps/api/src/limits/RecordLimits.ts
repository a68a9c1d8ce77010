import { timestampMillis } from "@memory-turso/model"
import type { LimitKey, Limits } from "../config/LimitsSection.js"
import type { LimitIssue } from "../http/ApiError.js"
import type { Shape } from "./Shape.js"

/** Issues reported at most per body: the walk stops there. */
const MAX_ISSUES = 20
const DAY_MS = 86_400_000

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
    const name = shape === undefined ? "" : path.slice(path.lastIndexOf(".") + 1)
    if (Array.isArray(value)) {
      const limit = LIST_LIMITS[name] ?? "max_list_items"
      if (value.length > limits[limit]) return over(findings, path, limit, `has ${value.length} items`)
      for (let i = 0; i < value.length; i++)
        check(value[i], shape?.items, `${path}${path ? "." : ""}${i}`, findings, now)
      return
    }
    const keys = Object.keys(value)
    const limit = MAP_LIMITS[name] ?? "max_list_items"
    if (keys.length > limits[limit]) return over(findings, path, limit, `has ${keys.length} keys`)
    for (const key of keys) {
      const at = `${path}${path ? "." : ""}${key.length > 64 ? `${key.slice(0, 64)}...` : key}`
      checkText(key, at, findings, "its key ")
      check((value as Record<string, unknown>)[key], shape?.fields.get(key), at, findings, now)
    }
  }

  /**
   * Checks one record (or any body) at `path`: its size as sent when it may be over `max_record_bytes` (`bodyBytes`
   * bounds it: JSON re-encoded is never longer than the text it was parsed from), then every value in it.
   */
  return (value: unknown, shape: Shape, path: string, bodyBytes: number, findings: Findings, record = true) => {
    if (record && bodyBytes > limits.max_record_bytes) {
      const bytes = Buffer.byteLength(JSON.stringify(value) ?? "", "utf8")
      if (bytes > limits.max_record_bytes) {
        findings.limits.push({
          path: path || "(body)",
          limit: "max_record_bytes",
          message: `has ${bytes} bytes as JSON; limits.max_record_bytes is ${limits.max_record_bytes}`
        })
        return
      }
    }
    check(value, shape, path, findings, Date.now())
  }
}

/** See `makeRecordCheck`. */
export type RecordCheck = ReturnType<typeof makeRecordCheck>

/** No findings yet. */
export const noFindings = (): Findings => ({ limits: [], text: [], values: 0 })
