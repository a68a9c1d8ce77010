import * as Effect from "effect/Effect"
import type * as Schema from "effect/Schema"
import { limitExceeded, validationFailed } from "./ApiError.js"
import { decode } from "./body.js"

/**
 * How a query parameter maps onto a field: `text` as is, `int` and `boolean` parsed (anything else is passed on
 * for the schema to reject), `list` repeatable or comma separated, `pairs` repeatable `key:value`.
 */
export type ParamKind = "text" | "int" | "boolean" | "list" | "pairs"

/** Query parameters a route accepts: parameter name -> [field, kind]. */
export type ParamSpec = Readonly<Record<string, readonly [field: string, kind: ParamKind]>>

const parseValue = (kind: ParamKind, values: ReadonlyArray<string>): unknown => {
  const last = values[values.length - 1]!
  switch (kind) {
    case "text":
      return last
    case "int":
      return /^-?\d{1,15}$/.test(last) ? Number(last) : last
    case "boolean":
      return last === "true" ? true : last === "false" ? false : last
    case "list":
      return values.flatMap((v) => v.split(",")).filter((v) => v !== "")
    case "pairs":
      return Object.fromEntries(
        values.map((v) => {
          const at = v.indexOf(":")
          return at < 0 ? [v, ""] : [v.slice(0, at), v.slice(at + 1)]
        })
      )
  }
}

/**
 * Reads the URL's query parameters into a schema's input and decodes it; unknown parameters are a 422. Filters that
 * take many values (`list` and `pairs`: tags and metadata) count together against `maxFilters`: over it, 422
 * `limit_exceeded` before anything is decoded or queried.
 */
export const readQuery = <A, I>(url: string, spec: ParamSpec, schema: Schema.Schema<A, I>, maxFilters: number) => {
  const params = new URL(url).searchParams
  const input: Record<string, unknown> = {}
  const unknown: Array<string> = []
  let filters = 0
  for (const name of new Set(params.keys())) {
    const entry = spec[name]
    if (entry === undefined) {
      unknown.push(name)
      continue
    }
    const [field, kind] = entry
    const value = parseValue(kind, params.getAll(name))
    if (kind === "list") filters += (value as Array<unknown>).length
    else if (kind === "pairs") filters += params.getAll(name).length
    input[field] =
      kind === "list" && Array.isArray(input[field])
        ? [...(input[field] as Array<unknown>), ...(value as Array<unknown>)]
        : value
  }
  if (unknown.length > 0) {
    return Effect.fail(
      validationFailed(
        unknown
          .slice(0, 20)
          .map((name) => ({ path: `query.${name.slice(0, 64)}`, message: "is not a known query parameter" }))
      )
    )
  }
  if (filters > maxFilters) {
    return Effect.fail(
      limitExceeded([
        {
          path: "query",
          limit: "max_filters",
          message: `has ${filters} tag and metadata filters; limits.max_filters is ${maxFilters}`
        }
      ])
    )
  }
  return decode(schema, input, ["query"])
}
