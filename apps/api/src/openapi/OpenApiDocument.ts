import type { ErrorCode } from "@memory-turso/model"

/** A JSON Schema (the 2020-12 dialect OpenAPI 3.1 uses), as `effect/JSONSchema` generates it. */
export type JsonSchema = object

/** A reference to a component (`#/components/...`). */
export interface Reference {
  readonly $ref: string
}

/** A path, query or header parameter. */
export interface Parameter {
  readonly name: string
  readonly in: "path" | "query" | "header"
  readonly required: boolean
  readonly description?: string
  readonly schema: JsonSchema
  readonly style?: "form" | "simple"
  readonly explode?: boolean
}

/** A response header. */
export interface Header {
  readonly description: string
  readonly schema: JsonSchema
}

/** A body in one media type. */
export interface MediaType {
  readonly schema: JsonSchema
}

/** A request body. */
export interface RequestBody {
  readonly required: boolean
  readonly content: Readonly<Record<string, MediaType>>
}

/** One response of an operation; error responses list the codes they can carry in `x-error-codes`. */
export interface Response {
  readonly description: string
  readonly headers?: Readonly<Record<string, Reference>>
  readonly content?: Readonly<Record<string, MediaType>>
  readonly "x-error-codes"?: ReadonlyArray<ErrorCode>
}

/** One operation (a method on a path); `x-scope` names the scope a token needs (absent on public routes). */
export interface Operation {
  readonly operationId: string
  readonly tags: ReadonlyArray<string>
  readonly summary: string
  readonly description: string
  readonly parameters?: ReadonlyArray<Parameter | Reference>
  readonly requestBody?: RequestBody
  readonly responses: Readonly<Record<string, Response>>
  readonly security: ReadonlyArray<Readonly<Record<string, ReadonlyArray<string>>>>
  readonly "x-scope"?: string
}

/** The methods a path answers. */
export type PathItem = Partial<Record<"get" | "post" | "put" | "delete", Operation>>

/** The HTTP bearer scheme. */
export interface SecurityScheme {
  readonly type: "http"
  readonly scheme: "bearer"
  readonly description: string
}

/** Named pieces operations refer to. */
export interface Components {
  readonly schemas: Readonly<Record<string, JsonSchema>>
  readonly parameters: Readonly<Record<string, Parameter>>
  readonly headers: Readonly<Record<string, Header>>
  readonly securitySchemes: Readonly<Record<string, SecurityScheme>>
}

/**
 * The subset of an OpenAPI 3.1.0 document this API's description uses. `x-error-codes` lists every error code with
 * its status and meaning.
 */
export interface OpenApiDocument {
  readonly openapi: "3.1.0"
  readonly info: { readonly title: string; readonly version: string; readonly description: string }
  readonly tags: ReadonlyArray<{ readonly name: string }>
  readonly paths: Readonly<Record<string, PathItem>>
  readonly components: Components
  readonly "x-error-codes": Readonly<Record<string, { readonly status: number; readonly meaning: string }>>
}

/** Where named schemas live in the document. */
export const SCHEMAS_PATH = "#/components/schemas/"
