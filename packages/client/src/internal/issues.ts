import * as Either from "effect/Either"
import type * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as AST from "effect/SchemaAST"
import { issuePath, type ResponseIssue } from "../Errors.js"

/** At most this many issues are kept per answer. */
const MAX_ISSUES = 20

/** What a Schema node accepts, in words, for "expected ..." (never the value that was there). */
const expectation = (ast: AST.AST): string => {
  const described = AST.getDescriptionAnnotation(ast)
  if (described._tag === "Some") return described.value
  switch (ast._tag) {
    case "TypeLiteral":
      return "an object"
    case "TupleType":
      return "an array"
    case "Literal":
      return JSON.stringify(ast.literal)
    case "Union":
      return ast.types.map(expectation).join(" or ")
    default:
      return String(ast)
  }
}

const pathKeys = (path: ParseResult.Path): ReadonlyArray<string | number> => {
  const keys: ReadonlyArray<PropertyKey> = typeof path === "object" ? path : [path]
  return keys.map((key) => (typeof key === "number" ? key : String(key)))
}

/** The leaves of a parse issue as (path, message) pairs; the alternatives an optional field offers are left out. */
const leaves = (issue: ParseResult.ParseIssue, path: ReadonlyArray<string | number>): ReadonlyArray<ResponseIssue> => {
  switch (issue._tag) {
    case "Pointer":
      return leaves(issue.issue, [...path, ...pathKeys(issue.path)])
    case "Composite":
      return (Array.isArray(issue.issues) ? issue.issues : [issue.issues]).flatMap((inner) => leaves(inner, path))
    case "Refinement":
    case "Transformation":
      return leaves(issue.issue, path)
    case "Missing":
      return [{ path, message: "is missing" }]
    case "Unexpected":
      return [{ path, message: "is not a known field" }]
    case "Type":
    case "Forbidden":
      // `optional` fields offer undefined (and null) as alternatives: they say nothing when a value is present.
      if (AST.isUndefinedKeyword(issue.ast) || (AST.isLiteral(issue.ast) && issue.ast.literal === null)) return []
      return [{ path, message: issue.message ?? `expected ${expectation(issue.ast)}` }]
  }
}

/** Merges the alternatives of one path ("expected false" and "expected true" become "expected false or true"). */
const merge = (issues: ReadonlyArray<ResponseIssue>): ReadonlyArray<ResponseIssue> => {
  const byPath = new Map<string, { path: ReadonlyArray<string | number>; messages: Array<string> }>()
  for (const issue of issues) {
    const key = JSON.stringify(issue.path)
    const entry = byPath.get(key) ?? { path: issue.path, messages: [] }
    if (!entry.messages.includes(issue.message)) entry.messages.push(issue.message)
    byPath.set(key, entry)
  }
  return [...byPath.values()].slice(0, MAX_ISSUES).map(({ path, messages }) => {
    const expected = messages.filter((m) => m.startsWith("expected "))
    if (expected.length < 2) return { path, message: messages.join("; ") }
    const alternatives = expected.map((m) => m.slice("expected ".length)).join(" or ")
    return { path, message: [`expected ${alternatives}`, ...messages.filter((m) => !expected.includes(m))].join("; ") }
  })
}

/** One issue in words: `cache.hit_rate is missing`, `pool.utilization: expected a number between 0 and 1`. */
export const describeIssue = (issue: ResponseIssue): string =>
  `${issue.path.length === 0 ? "(body)" : issuePath(issue.path)}${issue.message.startsWith("is ") ? " " : ": "}${issue.message}`

/** A decoder of answers: the value, or the issues that name each field that does not fit (never its value). */
export type Decoder<A> = (json: unknown) => Either.Either<A, ReadonlyArray<ResponseIssue>>

/** A decoder for a Schema; unknown fields are ignored (an API newer than this client may add some). */
export const decoderOf = <A, I>(schema: Schema.Schema<A, I>): Decoder<A> => {
  const decode = Schema.decodeUnknownEither(schema, { errors: "all" })
  return (json) => Either.mapLeft(decode(json), (error) => merge(leaves(error.issue, [])))
}
