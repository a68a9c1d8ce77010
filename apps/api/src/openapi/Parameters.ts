import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { KEY_EXPECTED } from "../http/idempotency.js"
import { IF_MATCH_EXPECTED } from "../http/preconditions.js"
import type { ParamKind } from "../http/queryParams.js"
import type { RequestHeader, RouteSpec } from "../http/RouteSpec.js"
import type { JsonSchemas } from "./JsonSchemas.js"
import type { JsonSchema, Parameter, Reference } from "./OpenApiDocument.js"
import { pathParameterNames } from "./PathTemplate.js"

/** The name of the namespace header's entry in `components.parameters`. */
export const NAMESPACE_PARAMETER = "Namespace"

/** A namespace name, as `isNamespace` accepts it: 1-128 characters from `[A-Za-z0-9._:-]`, not `.` or `..`. */
const NAMESPACE_NAME = { type: "string", pattern: "^[A-Za-z0-9._:-]{1,128}$", not: { enum: [".", ".."] } }

const DEFAULT_NAMESPACE_RULE =
  "Absent, the token's default namespace (its first listed namespace that is not a pattern; 422 `namespace_required` when it has none), and `default` when no tokens are configured."

/** `X-Memory-Namespace`, shared by every namespaced route. */
export const namespaceParameter: Parameter = {
  name: "X-Memory-Namespace",
  in: "header",
  required: false,
  description: `The namespace the request works in: 1-128 characters from \`[A-Za-z0-9._:-]\`, not \`.\` or \`..\` (422 \`invalid_namespace\` otherwise); the token must be allowed to use it (403 \`forbidden_namespace\` otherwise). ${DEFAULT_NAMESPACE_RULE}`,
  schema: NAMESPACE_NAME
}

/** The names of the write-condition headers' entries in `components.parameters`. */
export const HEADER_PARAMETERS: Readonly<Record<RequestHeader, string>> = {
  "If-Match": "IfMatch",
  "Idempotency-Key": "IdempotencyKey"
}

/** `If-Match` and `Idempotency-Key`, shared by the routes that honour them. */
export const headerParameters: Readonly<Record<string, Parameter>> = {
  IfMatch: {
    name: "If-Match",
    in: "header",
    required: false,
    description: `The version the record must have (its \`ETag\`): ${IF_MATCH_EXPECTED}. Another version, or no record, answers 412 \`precondition_failed\` and changes nothing; another form is 422 \`validation_failed\`.`,
    schema: { type: "string", pattern: '^"[1-9][0-9]{0,14}"$' }
  },
  IdempotencyKey: {
    name: "Idempotency-Key",
    in: "header",
    required: false,
    description: `Makes a retried write safe: ${KEY_EXPECTED}, unique per namespace for \`server.idempotency_window_secs\` (default 24 h). The first request's response is kept with the write; the same request again answers it (with \`Idempotent-Replayed: true\`) instead of writing again; another request with the key is refused with 422 \`idempotency_key_reused\`.`,
    schema: { type: "string", minLength: 1, maxLength: 257 }
  }
}

/** The paragraph of the document's description on namespaces. */
export const NAMESPACES = `**Namespaces.** Every record belongs to a namespace; the same id in two namespaces names two records. Routes that work in one take it from the \`X-Memory-Namespace\` header. ${DEFAULT_NAMESPACE_RULE}`

/** The path parameters of a route, in path order: each required, described by its Schema (a string when none). */
const pathParameters = (spec: RouteSpec, schemas: JsonSchemas): ReadonlyArray<Parameter> => {
  const names = pathParameterNames(spec.path)
  for (const declared of Object.keys(spec.params ?? {})) {
    if (!names.includes(declared)) throw new Error(`${spec.method} ${spec.path}: no :${declared} in the path`)
  }
  return names.map((name) => {
    const schema = spec.params?.[name]
    return {
      name,
      in: "path",
      required: true,
      schema:
        schema === undefined ? { type: "string" } : schemas.describe(schema, `${spec.method} ${spec.path} :${name}`)
    }
  })
}

/** How each kind of query parameter is read, for its description (see `queryParams`). */
const KIND_NOTE: Readonly<Record<ParamKind, string>> = {
  text: "",
  int: "",
  boolean: "`true` or `false`.",
  list: "Repeatable (`name=a&name=b`); commas also split (`name=a,b`).",
  pairs: "Repeatable `key:value` pairs (`name=team:a`); the value is everything after the first `:`."
}

/**
 * A query parameter's schema: the field's own, with the value the route decodes an absent parameter as (its
 * `default`), except for `pairs`, which arrive as `key:value` strings.
 */
const querySchema = (kind: ParamKind, field: JsonSchema, absent: unknown): JsonSchema => {
  if (kind === "pairs") return { type: "array", items: { type: "string" } }
  const scalar = typeof absent === "string" || typeof absent === "number" || typeof absent === "boolean"
  return scalar ? { ...field, default: absent } : field
}

/**
 * The defaults a query Schema fills when no parameter is given, on the wire side (decoded from `{}`, encoded back),
 * or none when that fails.
 */
const defaultsOf = (schema: Schema.Schema.Any): Readonly<Record<string, unknown>> => {
  // Query Schemas need no context: `readQuery` decodes them with none.
  const query = schema as Schema.Schema<unknown>
  const filled = Option.flatMap(Schema.decodeUnknownOption(query)({}), Schema.encodeOption(query))
  return Option.isSome(filled) && typeof filled.value === "object" && filled.value !== null
    ? (filled.value as Record<string, unknown>)
    : {}
}

/**
 * The query parameters of a route: each named as the URL names it, described by the field of the query Schema it
 * fills; `list` and `pairs` parameters are arrays in `form` style, exploded (repeatable).
 */
const queryParameters = (spec: RouteSpec, schemas: JsonSchemas): ReadonlyArray<Parameter> => {
  if (spec.query === undefined) return []
  const where = `${spec.method} ${spec.path} query`
  const fields = schemas.fieldsOf(spec.query.schema, where)
  const defaults = defaultsOf(spec.query.schema)
  const entries = Object.entries(spec.query.params)
  return entries.map(([name, [field, kind]]) => {
    const schema = fields.properties[field]
    if (schema === undefined) throw new Error(`${where}: ${name} fills ${field}, which the query Schema has not`)
    const aliases = entries.filter(([other, [same]]) => other !== name && same === field).map(([other]) => other)
    const note = KIND_NOTE[kind].replaceAll("name=", `${name}=`)
    const alias = aliases.length > 0 ? `Same as \`${aliases.join("`, `")}\`.` : ""
    const description = [note, alias].filter((part) => part !== "").join(" ")
    const repeatable = kind === "list" || kind === "pairs"
    return {
      name,
      in: "query",
      required: fields.required.includes(field),
      ...(description === "" ? {} : { description }),
      schema: querySchema(kind, schema, defaults[field]),
      ...(repeatable ? { style: "form", explode: true } : {})
    }
  })
}

/** True when a route reads `X-Memory-Namespace` (a public route always works in `default`, as `Access` has it). */
export const readsNamespace = (spec: Pick<RouteSpec, "namespaced" | "access">): boolean =>
  spec.namespaced && spec.access !== "public"

/**
 * Every parameter of a route: path, query, then the namespace header on namespaced routes and the write-condition
 * headers it honours (references).
 */
export const parametersOf = (spec: RouteSpec, schemas: JsonSchemas): ReadonlyArray<Parameter | Reference> => [
  ...pathParameters(spec, schemas),
  ...queryParameters(spec, schemas),
  ...(readsNamespace(spec) ? [{ $ref: `#/components/parameters/${NAMESPACE_PARAMETER}` }] : []),
  ...(spec.headers ?? []).map((header) => ({ $ref: `#/components/parameters/${HEADER_PARAMETERS[header]}` }))
]
