import * as JSONSchema from "effect/JSONSchema"
import type * as Schema from "effect/Schema"
import { type JsonSchema, SCHEMAS_PATH } from "./OpenApiDocument.js"

/** The fields of an object schema: each property's schema and which are required. */
export interface ObjectFields {
  readonly properties: Readonly<Record<string, JsonSchema>>
  readonly required: ReadonlyArray<string>
}

/**
 * `effect/JSONSchema` marks its "any" and "unknown" schemas with ids such as `/schemas/unknown`; in an OpenAPI
 * document an `$id` would change the base URI of every `$ref` below it, so they are dropped (an empty schema, or its
 * annotations alone, means the same).
 */
const withoutEffectIds = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(withoutEffectIds)
  if (typeof value !== "object" || value === null) return value
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key, v]) => !(key === "$id" && typeof v === "string" && v.startsWith("/schemas/")))
      .map(([key, v]) => [key, withoutEffectIds(v)])
  )
}

/**
 * JSON Schemas of Effect Schemas, generated with `JSONSchema.fromAST` into one shared set of definitions: a Schema
 * with an `identifier` annotation is described once, under `components.schemas`, and `$ref`ed wherever it appears.
 * Transformations are described on their encoded side: the JSON a client sends and receives.
 */
export const makeJsonSchemas = () => {
  const definitions: Record<string, JSONSchema.JsonSchema7> = {}

  /** The JSON Schema of `schema`; `where` names it in the error thrown when a Schema cannot be described. */
  const describe = (schema: Schema.Schema.Any, where: string): JsonSchema => {
    try {
      const described = JSONSchema.fromAST(schema.ast, {
        definitions,
        definitionPath: SCHEMAS_PATH,
        target: "openApi3.1"
      })
      return withoutEffectIds(described) as JsonSchema
    } catch (error) {
      throw new Error(`cannot describe ${where} in JSON Schema: ${error instanceof Error ? error.message : error}`)
    }
  }

  /** Follows a `$ref` into the definitions (one level), or returns the schema itself. */
  const resolve = (schema: JsonSchema): JsonSchema => {
    const ref = (schema as { $ref?: unknown }).$ref
    if (typeof ref !== "string" || !ref.startsWith(SCHEMAS_PATH)) return schema
    return definitions[ref.slice(SCHEMAS_PATH.length)] ?? schema
  }

  /** The fields of an object schema (a query's), or an error naming `where` when it is not one. */
  const fieldsOf = (schema: Schema.Schema.Any, where: string): ObjectFields => {
    const object = resolve(describe(schema, where)) as { type?: unknown; properties?: unknown; required?: unknown }
    if (object.type !== "object" || typeof object.properties !== "object" || object.properties === null) {
      throw new Error(`${where} is not described as an object with properties`)
    }
    return {
      properties: object.properties as Record<string, JsonSchema>,
      required: Array.isArray(object.required) ? (object.required as Array<string>) : []
    }
  }

  /** Every named schema described so far, keyed by identifier. */
  const components = (): Readonly<Record<string, JsonSchema>> =>
    withoutEffectIds(definitions) as Record<string, JsonSchema>

  return { describe, fieldsOf, components }
}

/** See `makeJsonSchemas`. */
export type JsonSchemas = ReturnType<typeof makeJsonSchemas>
