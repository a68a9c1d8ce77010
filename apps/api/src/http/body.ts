import { validationIssues } from "@memory-turso/model"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type { Context } from "hono"
import { malformedJson, validationFailed } from "./ApiError.js"

/** The request body parsed as JSON, or a 400 `malformed_json`. */
export const readJson = (c: Context) =>
  Effect.tryPromise({ try: () => c.req.text(), catch: () => malformedJson("the body could not be read") }).pipe(
    Effect.flatMap((text) =>
      Effect.try({
        try: (): unknown => JSON.parse(text),
        catch: (error) => malformedJson(error instanceof Error ? error.message.slice(0, 120) : "parse error")
      })
    )
  )

/** Decodes input against a schema, or a 422 `validation_failed` naming each field path (under `prefix`). */
export const decode = <A, I>(schema: Schema.Schema<A, I>, input: unknown, prefix: ReadonlyArray<PropertyKey> = []) =>
  Schema.decodeUnknown(schema)(input, { errors: "all", onExcessProperty: "error" }).pipe(
    Effect.mapError((error) => validationFailed(validationIssues(error, prefix)))
  )

/** Reads and decodes a JSON body. */
export const readBody = <A, I>(c: Context, schema: Schema.Schema<A, I>) =>
  Effect.flatMap(readJson(c), (input) => decode(schema, input))
