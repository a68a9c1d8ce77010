import * as Schema from "effect/Schema"

/** A JSON value: null, boolean, finite number, string, array or object of JSON values. */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | ReadonlyArray<JsonValue>
  | { readonly [key: string]: JsonValue }

const MAX_DEPTH = 64

const isJsonValue = (u: unknown, depth: number): boolean => {
  if (u === null || typeof u === "boolean" || typeof u === "string") return true
  if (typeof u === "number") return Number.isFinite(u)
  if (depth >= MAX_DEPTH || typeof u !== "object") return false
  if (Array.isArray(u)) return u.every((v) => isJsonValue(v, depth + 1))
  const proto = Object.getPrototypeOf(u)
  if (proto !== Object.prototype && proto !== null) return false
  for (const key in u) if (!isJsonValue((u as Record<string, unknown>)[key], depth + 1)) return false
  return true
}

/** Any JSON value, nested at most 64 levels deep. */
export const JsonValue: Schema.Schema<JsonValue> = Schema.declare((u): u is JsonValue => isJsonValue(u, 0), {
  identifier: "JsonValue",
  description: `a JSON value nested at most ${MAX_DEPTH} levels deep`,
  // A declaration has no JSON Schema of its own: describe it for the API's OpenAPI document.
  jsonSchema: { type: ["null", "boolean", "number", "string", "array", "object"] },
  arbitrary: () => (fc) => fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.parse(JSON.stringify(v)) as JsonValue)
})
