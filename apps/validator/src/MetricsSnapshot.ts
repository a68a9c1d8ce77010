import * as Either from "effect/Either"
import { ApiGarbage } from "./ValidatorError.js"

/** A feature section of `/metrics`: enabled with its numbers, disabled, or not published at all. */
export type Section<A> =
  | { readonly state: "enabled"; readonly value: A }
  | { readonly state: "disabled" }
  | { readonly state: "unpublished" }

/** The `/metrics` fields the validator reads (and requires when their section says enabled). */
export interface MetricsSnapshot {
  readonly cache: Section<{ readonly hit_rate: number; readonly episode_hits: number; readonly episode_misses: number }>
  readonly compression: Section<{ readonly ratio: number; readonly bytes_in: number; readonly bytes_out: number }>
  readonly pool: Section<{ readonly utilization: number; readonly timeouts: number }>
  readonly keepalive: Section<{ readonly stale_rate: number }>
  /** "METHOD /route" -> request count and 5xx count. */
  readonly requests: Readonly<Record<string, { readonly count: number; readonly errors: number }>>
  readonly process: { readonly rss_bytes: number; readonly heap_used_bytes: number; readonly uptime_s: number }
}

type FieldKind = "fraction" | "count" | "nonNegative"

/** The fields read from each feature section, with what a valid value is. */
export const sectionFields = {
  cache: { hit_rate: "fraction", episode_hits: "count", episode_misses: "count" },
  compression: { ratio: "nonNegative", bytes_in: "count", bytes_out: "count" },
  pool: { utilization: "fraction", timeouts: "count" },
  keepalive: { stale_rate: "fraction" }
} as const satisfies Record<string, Record<string, FieldKind>>

/** Fields read from `process` and from each entry of `requests`. */
export const processFields = { rss_bytes: "count", heap_used_bytes: "count", uptime_s: "nonNegative" } as const
export const requestFields = { count: "count", errors: "count" } as const

const ENDPOINT = "GET /metrics"

class Garbage {
  constructor(readonly detail: string) {}
}

const isObject = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

const describe = (u: unknown) => (u === undefined ? "missing" : JSON.stringify(u).slice(0, 40))

const numberAt = (object: Record<string, unknown>, path: string, field: string, kind: FieldKind): number => {
  const value = object[field]
  const where = `field ${path}.${field}`
  if (value === undefined) throw new Garbage(`${where} is missing`)
  if (typeof value !== "number" || !Number.isFinite(value))
    throw new Garbage(`${where} is not a number (got ${describe(value)})`)
  if (value < 0) throw new Garbage(`${where} is negative (${value})`)
  if (kind === "fraction" && value > 1) throw new Garbage(`${where} is ${value}, outside the fraction range 0..1`)
  if (kind === "count" && !Number.isInteger(value)) throw new Garbage(`${where} is not a whole count (${value})`)
  return value
}

const readFields = <F extends Record<string, FieldKind>>(
  object: Record<string, unknown>,
  path: string,
  fields: F
): { [K in keyof F]: number } => {
  const out: Record<string, number> = {}
  for (const [field, kind] of Object.entries(fields)) out[field] = numberAt(object, path, field, kind)
  return out as { [K in keyof F]: number }
}

const readSection = <F extends Record<string, FieldKind>>(
  root: Record<string, unknown>,
  name: string,
  fields: F,
  allowMissing: boolean
): Section<{ [K in keyof F]: number }> => {
  const section = root[name]
  if (section === undefined) {
    if (allowMissing) return { state: "unpublished" }
    throw new Garbage(`section ${name} is missing`)
  }
  if (!isObject(section)) throw new Garbage(`section ${name} is not an object (got ${describe(section)})`)
  if (section["enabled"] === false) return { state: "disabled" }
  if (section["enabled"] !== true)
    throw new Garbage(`field ${name}.enabled is not true or false (got ${describe(section["enabled"])})`)
  return { state: "enabled", value: readFields(section, name, fields) }
}

/** Options of {@link parse}. */
export interface ParseOptions {
  /** Treat an absent feature section as not published (its criteria are skipped) instead of garbage. */
  readonly allowMissingSections: boolean
}

/**
 * Reads a `/metrics` answer. A section that is absent (unless allowed), a field that is missing, non-numeric,
 * negative or (for rates) above 1 where its section says enabled is `ApiGarbage` naming the field.
 */
export const parse = (json: unknown, options: ParseOptions): Either.Either<MetricsSnapshot, ApiGarbage> => {
  try {
    if (!isObject(json)) throw new Garbage(`the body is not a JSON object (got ${describe(json)})`)
    const requests = json["requests"]
    if (!isObject(requests))
      throw new Garbage(`section requests is ${requests === undefined ? "missing" : "not an object"}`)
    const routes: Record<string, { count: number; errors: number }> = {}
    for (const [route, stats] of Object.entries(requests)) {
      const path = `requests[${JSON.stringify(route)}]`
      if (!isObject(stats)) throw new Garbage(`field ${path} is not an object`)
      routes[route] = readFields(stats, path, requestFields)
    }
    const process = json["process"]
    if (!isObject(process))
      throw new Garbage(`section process is ${process === undefined ? "missing" : "not an object"}`)
    const allow = options.allowMissingSections
    return Either.right({
      cache: readSection(json, "cache", sectionFields.cache, allow),
      compression: readSection(json, "compression", sectionFields.compression, allow),
      pool: readSection(json, "pool", sectionFields.pool, allow),
      keepalive: readSection(json, "keepalive", sectionFields.keepalive, allow),
      requests: routes,
      process: readFields(process, "process", processFields)
    })
  } catch (error) {
    if (error instanceof Garbage) return Either.left(new ApiGarbage({ endpoint: ENDPOINT, detail: error.detail }))
    throw error
  }
}

/** Sums of request counts and 5xx errors over every route. */
export const requestTotals = (snapshot: MetricsSnapshot): { readonly count: number; readonly errors: number } => {
  let count = 0
  let errors = 0
  for (const route of Object.values(snapshot.requests)) {
    count += route.count
    errors += route.errors
  }
  return { count, errors }
}
