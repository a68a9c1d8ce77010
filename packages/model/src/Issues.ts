import * as ParseResult from "effect/ParseResult"
import type { Issue } from "./ErrorBody.js"

const MAX_ISSUES = 20
const MAX_MESSAGE = 200

/** Drops the echoed value from a message ("Expected X, actual <input>" becomes "expected X"). */
const tidy = (message: string): string =>
  message
    .replace(/,\s*actual[\s\S]*$/, "")
    .replace(/^Expected /, "expected ")
    .replace(/Struct \((Encoded|Type) side\)/g, "an object")
    .replace(/^is unexpected[\s\S]*$/, "is not a known field")

/** Alternatives an optional field always offers; they say nothing useful when the value is present. */
const isAbsentAlternative = (message: string) => message === "expected undefined" || message === "expected null"

/**
 * The leaves of a parse error as `{path, message}` pairs: each names the field path and what was expected; the
 * offending value is never echoed back. Alternatives of one field are merged into one message.
 */
export const validationIssues = (
  error: ParseResult.ParseError,
  prefix: ReadonlyArray<PropertyKey> = []
): ReadonlyArray<Issue> => {
  const byPath = new Map<string, Array<string>>()
  for (const issue of ParseResult.ArrayFormatter.formatErrorSync(error)) {
    const message = tidy(issue.message)
    if (isAbsentAlternative(message)) continue
    const path = [...prefix, ...issue.path].map(String).join(".") || "(body)"
    const messages = byPath.get(path) ?? []
    if (!messages.includes(message)) messages.push(message)
    byPath.set(path, messages)
  }
  const issues: Array<Issue> = []
  for (const [path, messages] of byPath) {
    const expected = messages.filter((m) => m.startsWith("expected "))
    const merged =
      expected.length > 1
        ? [
            `expected ${expected.map((m) => m.slice("expected ".length)).join(" or ")}`,
            ...messages.filter((m) => !m.startsWith("expected "))
          ]
        : messages
    for (const message of merged) issues.push({ path, message: message.slice(0, MAX_MESSAGE) })
  }
  return issues.slice(0, MAX_ISSUES)
}
