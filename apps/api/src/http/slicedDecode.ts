import { type Issue, validationIssues } from "@memory-turso/model"
import * as Effect from "effect/Effect"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import type * as SchemaAST from "effect/SchemaAST"
import { type ApiError, validationFailed } from "./ApiError.js"
import { yieldToEventLoop } from "./eventLoop.js"

/** Items of one list decoded between two turns of the event loop (a millisecond or two of work). */
export const SLICE_ITEMS = 64
/** Lists at least this long are decoded in slices; shorter ones with the rest of the record. */
export const MIN_SLICED_ITEMS = 2 * SLICE_ITEMS

const FIRST: SchemaAST.ParseOptions = { errors: "first", onExcessProperty: "error" }

/** The list fields of a struct's wire side that can be decoded item by item: their item schemas, in field order. */
const listFieldsOf = (ast: SchemaAST.AST): ReadonlyArray<readonly [string, Schema.Schema<unknown, unknown>]> => {
  const literal = ast._tag === "Transformation" ? ast.from : ast
  if (literal._tag !== "TypeLiteral" || literal.indexSignatures.length > 0) return []
  const lists: Array<readonly [string, Schema.Schema<unknown, unknown>]> = []
  for (const property of literal.propertySignatures) {
    // An optional field's type is `list | undefined`.
    const members =
      property.type._tag === "Union"
        ? property.type.types.filter((t) => t._tag !== "UndefinedKeyword")
        : [property.type]
    const list = members.length === 1 ? members[0]! : undefined
    if (list?._tag === "TupleType" && list.elements.length === 0 && list.rest.length === 1) {
      lists.push([String(property.name), Schema.make(list.rest[0]!.type)])
    }
  }
  return lists
}

const listFields = new WeakMap<SchemaAST.AST, ReadonlyArray<readonly [string, Schema.Schema<unknown, unknown>]>>()
const listFieldsCached = (ast: SchemaAST.AST) => {
  let fields = listFields.get(ast)
  if (fields === undefined) {
    fields = listFieldsOf(ast)
    listFields.set(ast, fields)
  }
  return fields
}

const isPlainObject = (u: unknown): u is Record<string, unknown> =>
  typeof u === "object" && u !== null && !Array.isArray(u)

/** Rewrites the issue paths under `<prefix>.<field>.0` to `<prefix>.<field>.<index>`. */
const reindex = (issues: ReadonlyArray<Issue>, head: string, at: string): ReadonlyArray<Issue> =>
  issues.map((issue) =>
    issue.path === head || issue.path.startsWith(`${head}.`)
      ? { ...issue, path: at + issue.path.slice(head.length) }
      : issue
  )

/**
 * Decodes a record against a struct schema reporting the first problem only (as `decode` does for big inputs), with
 * the same result and the same issue, but its long lists (`steps`, ...) item by item, with a turn of the event loop
 * every `SLICE_ITEMS` items: a 2,000-step episode is many short pieces of work instead of one long block. Inputs
 * without long lists (or schemas that are not plain structs) are decoded in one piece.
 *
 * The issue is the one a whole decode reports: fields are decoded in order, and the first failing item of a list
 * is decoded again in its record (the lists before it, known valid, left empty; the lists after it too, since the
 * whole decode stops at this item first), so that a problem in an earlier field still comes first.
 */
export const decodeInSlices = <A, I>(
  schema: Schema.Schema<A, I>,
  input: unknown,
  prefix: ReadonlyArray<PropertyKey> = []
): Effect.Effect<A, ApiError> => {
  const whole = (value: unknown) =>
    Schema.decodeUnknown(schema)(value, FIRST).pipe(
      Effect.mapError((error) => validationFailed(validationIssues(error, prefix)))
    )
  if (!isPlainObject(input)) return whole(input)
  const long = listFieldsCached(schema.ast).filter(
    ([name]) => Array.isArray(input[name]) && (input[name] as ReadonlyArray<unknown>).length >= MIN_SLICED_ITEMS
  )
  if (long.length === 0) return whole(input)
  return Effect.gen(function* () {
    const decoded = new Map<string, Array<unknown>>()
    for (const [name, item] of long) {
      const items = input[name] as ReadonlyArray<unknown>
      const out: Array<unknown> = new Array(items.length)
      const decodeItem = ParseResult.decodeUnknownEither(item)
      for (let i = 0; i < items.length; i++) {
        if (i > 0 && i % SLICE_ITEMS === 0) yield* yieldToEventLoop
        const result = decodeItem(items[i], FIRST)
        if (result._tag === "Right") {
          out[i] = result.right
          continue
        }
        // The first bad item: decode it again in its record, alone in its list, for the issue a whole decode gives.
        const alone: Record<string, unknown> = { ...input, [name]: [items[i]] }
        for (const [other] of long) if (other !== name) alone[other] = []
        const again = Schema.decodeUnknownEither(schema)(alone, FIRST)
        const issues =
          again._tag === "Left"
            ? reindex(
                validationIssues(again.left, prefix),
                [...prefix, name, 0].map(String).join("."),
                [...prefix, name, i].map(String).join(".")
              )
            : validationIssues(new ParseResult.ParseError({ issue: result.left }), [...prefix, name, i])
        return yield* Effect.fail(validationFailed(issues))
      }
      decoded.set(name, out)
      yield* yieldToEventLoop
    }
    const rest: Record<string, unknown> = { ...input }
    for (const [name] of long) rest[name] = []
    const record = (yield* whole(rest)) as Record<string, unknown>
    for (const [name, items] of decoded) record[name] = items
    return record as A
  })
}

/**
 * The JSON text of a value of a struct schema with long lists (its encoded side, as `JSON.stringify(encode(value))`
 * gives it), those lists encoded item by item with a turn of the event loop every `SLICE_ITEMS` items; undefined
 * for a value without long lists (encoding it is short work).
 */
export const encodeJsonInSlices = <A, I>(schema: Schema.Schema<A, I>, value: A): Effect.Effect<string | undefined> =>
  Effect.gen(function* () {
    const record = value as unknown
    if (!isPlainObject(record)) return undefined
    const long = listFieldsCached(schema.ast).filter(
      ([name]) => Array.isArray(record[name]) && (record[name] as ReadonlyArray<unknown>).length >= MIN_SLICED_ITEMS
    )
    if (long.length === 0) return undefined
    const encoded = new Map<string, Array<unknown>>()
    for (const [name, item] of long) {
      const items = record[name] as ReadonlyArray<unknown>
      const encodeItem = Schema.encodeSync(item)
      const out: Array<unknown> = new Array(items.length)
      for (let i = 0; i < items.length; i++) {
        if (i > 0 && i % SLICE_ITEMS === 0) yield* yieldToEventLoop
        out[i] = encodeItem(items[i])
      }
      encoded.set(name, out)
      yield* yieldToEventLoop
    }
    const rest: Record<string, unknown> = { ...record }
    for (const [name] of long) rest[name] = []
    const wire = Schema.encodeSync(schema)(rest as A) as Record<string, unknown>
    for (const [name, items] of encoded) wire[name] = items
    return JSON.stringify(wire)
  })
