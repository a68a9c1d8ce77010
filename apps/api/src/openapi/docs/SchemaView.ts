import { type JsonSchema, SCHEMAS_PATH } from "../OpenApiDocument.js"
import { anchorOf, escapeHtml } from "./Html.js"
import { inlineHtml } from "./Markdown.js"

type Fields = Readonly<Record<string, unknown>>

const fieldsOf = (schema: unknown): Fields =>
  typeof schema === "object" && schema !== null && !Array.isArray(schema) ? (schema as Fields) : {}

const members = (value: unknown): ReadonlyArray<unknown> => (Array.isArray(value) ? value : [])

/** The anchor of a named schema on the page. */
export const schemaAnchor = (name: string): string => `schema-${anchorOf(name)}`

/** A link to a named schema, from a `$ref`. */
const refLink = (ref: string): string => {
  const name = ref.startsWith(SCHEMAS_PATH) ? ref.slice(SCHEMAS_PATH.length) : ref
  return `<a href="#${schemaAnchor(name)}">${escapeHtml(name)}</a>`
}

/** The constraints a schema states itself (bounds, lengths, pattern, default), in words. */
const constraints = (s: Fields): ReadonlyArray<string> => {
  const words: Array<string> = []
  const add = (key: string, say: (v: string) => string) => {
    if (s[key] !== undefined) words.push(say(JSON.stringify(s[key])))
  }
  add("minimum", (v) => `≥ ${v}`)
  add("exclusiveMinimum", (v) => `> ${v}`)
  add("maximum", (v) => `≤ ${v}`)
  add("exclusiveMaximum", (v) => `< ${v}`)
  add("minLength", (v) => `at least ${v} characters`)
  add("maxLength", (v) => `at most ${v} characters`)
  add("minItems", (v) => `at least ${v} items`)
  add("maxItems", (v) => `at most ${v} items`)
  add("pattern", (v) => `pattern ${v}`)
  add("default", (v) => `default ${v}`)
  return words
}

/** The type a schema describes, without its own constraints: HTML, with named schemas linked. */
const shape = (s: Fields): string => {
  if (typeof s.$ref === "string") return refLink(s.$ref)
  const union = members(s.anyOf).length > 0 ? members(s.anyOf) : members(s.oneOf)
  if (union.length > 0) return union.map(typeHtml).join(" | ")
  const all = members(s.allOf)
  if (all.length > 0) return all.map(typeHtml).join(" &amp; ")
  if (Array.isArray(s.enum)) return s.enum.map((v) => `<code>${escapeHtml(JSON.stringify(v))}</code>`).join(" | ")
  if (Array.isArray(s.type)) return s.type.map((t) => escapeHtml(String(t))).join(" | ")
  if (s.type === "array") return s.items === undefined ? "array" : `array of ${typeHtml(s.items)}`
  if (s.type === "object" && Object.keys(fieldsOf(s.properties)).length === 0) {
    const values = s.additionalProperties
    return typeof values === "object" ? `map of ${typeHtml(values)}` : "object"
  }
  return typeof s.type === "string" ? escapeHtml(s.type) : "any JSON"
}

/** A one-line summary of a schema's type and constraints, as HTML (`array of string, at most 1000 items`). */
export const typeHtml = (schema: unknown): string => {
  const s = fieldsOf(schema)
  const stated = [...constraints(s).map(escapeHtml), ...(s.not === undefined ? [] : [`not ${typeHtml(s.not)}`])]
  return [shape(s), ...stated].join(", ")
}

/** One row of a field table. */
interface FieldRow {
  readonly path: string
  readonly type: string
  readonly required: boolean
  readonly description: string
}

/** `type = "success"`: what tells a union's object variant apart, when a property is a single string. */
const variantLabel = (variant: Fields, index: number): string => {
  for (const [name, property] of Object.entries(fieldsOf(variant.properties))) {
    const values = fieldsOf(property).enum
    if (Array.isArray(values) && values.length === 1) return `${name} = ${JSON.stringify(values[0])}`
  }
  return `variant ${index + 1}`
}

const isInlineObject = (s: Fields) => s.type === "object" && Object.keys(fieldsOf(s.properties)).length > 0

/** The object variants of a schema (itself, one `X | null` side, a union's members), or none. */
const objectVariants = (s: Fields): ReadonlyArray<Fields> => {
  if (isInlineObject(s)) return [s]
  const union = members(s.anyOf).map(fieldsOf)
  const nonNull = union.filter((member) => member.type !== "null")
  if (nonNull.length === 1) return objectVariants(nonNull[0]!)
  return nonNull.length > 0 && nonNull.every(isInlineObject) ? nonNull : []
}

/** Rows for every field of an object schema, nested objects, arrays of objects and unions flattened by path. */
const rowsOf = (s: Fields, prefix: string, depth: number): ReadonlyArray<FieldRow> => {
  const variants = objectVariants(s)
  if (depth > 8 || variants.length === 0) return []
  return variants.flatMap((variant, index) => {
    const at = variants.length > 1 ? `${prefix}(${variantLabel(variant, index)})` : prefix
    const required = members(variant.required)
    return Object.entries(fieldsOf(variant.properties)).flatMap(([name, property]) => {
      const p = fieldsOf(property)
      const path = `${at}${at === "" ? "" : "."}${name}`
      const items = fieldsOf(p.items)
      const nested = p.type === "array" ? rowsOf(items, `${path}[]`, depth + 1) : rowsOf(p, path, depth + 1)
      const description = typeof p.description === "string" ? p.description : ""
      return [{ path, type: typeHtml(p), required: required.includes(name), description }, ...nested]
    })
  })
}

/**
 * A schema as the page shows it: a field table for an object (or union of objects), with its type summary above,
 * and the full JSON Schema in a collapsed `<details>`.
 */
export const schemaHtml = (schema: JsonSchema): string => {
  const s = fieldsOf(schema)
  const rows = rowsOf(s, "", 0)
  const table =
    rows.length === 0
      ? ""
      : `<table class="fields"><thead><tr><th>Field</th><th>Type</th><th>Required</th><th>Description</th></tr></thead><tbody>${rows
          .map(
            (row) =>
              `<tr><td><code>${escapeHtml(row.path)}</code></td><td>${row.type}</td><td>${row.required ? "yes" : ""}</td><td>${inlineHtml(row.description)}</td></tr>`
          )
          .join("")}</tbody></table>`
  const description = typeof s.description === "string" ? `<p>${inlineHtml(s.description)}</p>` : ""
  const onlyRef = Object.keys(s).length === 1 && typeof s.$ref === "string"
  const json = `<details><summary>JSON Schema</summary><pre>${escapeHtml(JSON.stringify(schema, null, 2))}</pre></details>`
  return `<p class="type">${typeHtml(s)}</p>${description}${table}${onlyRef ? "" : json}`
}
