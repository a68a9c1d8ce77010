import * as ParseResult from "effect/ParseResult"
import type * as Schema from "effect/Schema"

/** One configuration problem: the key path, where the value came from, and what was expected. */
export interface ConfigIssue {
  readonly path: string
  readonly message: string
}

/** Renders any value briefly for a message (strings quoted, long values cut). */
export const show = (value: unknown): string => {
  const text = typeof value === "string" ? JSON.stringify(value) : String(JSON.stringify(value) ?? value)
  return text.length > 60 ? `${text.slice(0, 57)}...` : text
}

const tidy = (message: string): string =>
  message
    .replace(
      /^Expected (.*?), actual ([\s\S]*)$/,
      (_, expected: string, actual: string) =>
        `expected ${expected}, got ${actual.length > 60 ? `${actual.slice(0, 57)}...` : actual}`
    )
    .replace(/^is unexpected[\s\S]*$/, "is not a known key")

/** The issues of a parse error under a section, one per key path; optional-key noise is dropped. */
export const issuesOf = (section: string, error: ParseResult.ParseError): ReadonlyArray<ConfigIssue> => {
  const seen = new Set<string>()
  const issues: Array<ConfigIssue> = []
  for (const issue of ParseResult.ArrayFormatter.formatErrorSync(error)) {
    if (issue.message.startsWith("Expected undefined") || issue.message.startsWith("Expected null")) continue
    const path = [section, ...issue.path.map(String)].join(".")
    const message = tidy(issue.message)
    const key = `${path}\u0000${message}`
    if (seen.has(key)) continue
    seen.add(key)
    issues.push({ path, message })
  }
  return issues
}

/** `path: message` */
export const format = (issue: ConfigIssue): string => `${issue.path}: ${issue.message}`

/** A field schema whose every failure reads "expected <what>, got <value>". */
export const expecting = <A, I>(schema: Schema.Schema<A, I>, what: string) =>
  schema.annotations({
    message: (issue) => ({ message: `expected ${what}, got ${show(issue.actual)}`, override: true })
  })
