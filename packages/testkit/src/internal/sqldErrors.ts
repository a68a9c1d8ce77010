/**
 * Statement failures as Turso's server (sqld, libsql-server) reports them, so that error paths tested against this
 * server hold against the real one. Read from libsql-server's `hrana/stmt.rs` (`StmtError`, its `code()` and
 * messages) and the libSQL build of rusqlite it runs on:
 * - a SQLite error is `SQLite error: <sqlite3_errmsg>` with the PRIMARY result code's name (`SQLITE_CONSTRAINT`,
 *   never `SQLITE_CONSTRAINT_PRIMARYKEY`); `SQLITE_ERROR` itself has no name there (rusqlite's `ErrorCode::Unknown`)
 *   and is sent as `SQLITE_UNKNOWN`;
 * - sqld parses every statement itself before SQLite sees it: unparseable SQL is `SQL_PARSE_ERROR`
 *   (`SQL string could not be parsed: ...`); here, SQLite's syntax errors stand in for its parser's;
 * - a statement SQLite refuses to prepare with `SQLITE_ERROR` and a byte offset (`sqlite3_error_offset`: no such
 *   column, no such function, ...) is `SQL_INPUT_ERROR` (`SQL input error: <message> (at offset N)`); the `libsql`
 *   package does not expose the offset, so it is the first occurrence of the name SQLite quotes;
 * - arguments: `ARGS_INVALID` (`Arguments do not match SQL parameters: ...`) and `ARGS_BOTH_POSITIONAL_AND_NAMED`.
 */
import { HranaError } from "./errors.js"

/** What the `libsql` package throws for a SQLite failure: the extended code's name and number. */
interface NativeError {
  readonly message: string
  readonly code: string
  readonly rawCode?: number
}

/** A SQLite failure thrown by the `libsql` package (its `code` names the extended result code). */
export const isNativeError = (error: unknown): error is NativeError => {
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined
  return typeof code === "string" && code.startsWith("SQLITE_")
}

/** SQLite's primary result codes, by number. */
const PRIMARY: ReadonlyArray<readonly [number, string]> = [
  [1, "SQLITE_ERROR"],
  [2, "SQLITE_INTERNAL"],
  [3, "SQLITE_PERM"],
  [4, "SQLITE_ABORT"],
  [5, "SQLITE_BUSY"],
  [6, "SQLITE_LOCKED"],
  [7, "SQLITE_NOMEM"],
  [8, "SQLITE_READONLY"],
  [9, "SQLITE_INTERRUPT"],
  [10, "SQLITE_IOERR"],
  [11, "SQLITE_CORRUPT"],
  [12, "SQLITE_NOTFOUND"],
  [13, "SQLITE_FULL"],
  [14, "SQLITE_CANTOPEN"],
  [15, "SQLITE_PROTOCOL"],
  [16, "SQLITE_EMPTY"],
  [17, "SQLITE_SCHEMA"],
  [18, "SQLITE_TOOBIG"],
  [19, "SQLITE_CONSTRAINT"],
  [20, "SQLITE_MISMATCH"],
  [21, "SQLITE_MISUSE"],
  [22, "SQLITE_NOLFS"],
  [23, "SQLITE_AUTH"],
  [24, "SQLITE_FORMAT"],
  [25, "SQLITE_RANGE"],
  [26, "SQLITE_NOTADB"]
]
const NUMBER_OF = new Map(PRIMARY.map(([n, name]) => [name, n]))

/** Primary codes rusqlite has no `ErrorCode` for: sqld sends them as `SQLITE_UNKNOWN`. */
const UNNAMED_IN_SQLD = new Set([1, 16, 24])

/** The primary result code (0-255) of a native error. */
const primaryOf = (error: NativeError): number => {
  if (typeof error.rawCode === "number") return error.rawCode & 0xff
  const name = /^SQLITE_[A-Z]+/.exec(error.code)?.[0] ?? ""
  return NUMBER_OF.get(name) ?? 1
}

/** The code sqld sends for a SQLite failure. */
const sqldCode = (primary: number): string =>
  UNNAMED_IN_SQLD.has(primary) ? "SQLITE_UNKNOWN" : (PRIMARY.find(([n]) => n === primary)?.[1] ?? "SQLITE_UNKNOWN")

/** True when a native error is SQLite's busy result (the write lock is held elsewhere), any extended form. */
export const isBusy = (error: unknown): boolean => isNativeError(error) && primaryOf(error) === 5

/** A failure while a statement runs: `SQLite error: <message>` with the primary code as sqld names it. */
export const stepError = (error: NativeError): HranaError =>
  new HranaError(sqldCode(primaryOf(error)), `SQLite error: ${error.message}`)

/** SQLite's messages for text it cannot parse; sqld's own parser rejects such text before SQLite sees it. */
const SYNTAX = [/syntax error$/, /^incomplete input$/, /^unrecognized token: /]

/** SQLite's prepare messages that record an error offset (they quote a token or an expression of the text). */
const WITH_OFFSET = [
  /^(?:no such column|ambiguous column name): ("[^"]*"|\S+)/,
  /^no such function: (\S+)$/,
  /^wrong number of arguments to function ([^(]+)\(\)$/,
  /^misuse of (?:aggregate|window) function ([^(]+)\(\)$/,
  /^([^(]+)\(\) may not be used as a window function$/,
  /^FILTER may not be used with non-aggregate ([^(]+)\(\)$/
]

/** Where SQLite would place the error offset: the first occurrence of the quoted name, or -1. */
const offsetOf = (sql: string, message: string): number => {
  for (const pattern of WITH_OFFSET) {
    const name = pattern.exec(message)?.[1]
    if (name !== undefined) return sql.indexOf(name)
  }
  return -1
}

/** A failure to prepare `sql`: a parse error, an input error with its offset, or a SQLite error. */
export const prepareError = (error: NativeError, sql: string): HranaError => {
  if (primaryOf(error) !== 1) return stepError(error)
  if (SYNTAX.some((pattern) => pattern.test(error.message))) {
    return new HranaError("SQL_PARSE_ERROR", `SQL string could not be parsed: ${error.message}`)
  }
  const offset = offsetOf(sql, error.message)
  return offset < 0
    ? stepError(error)
    : new HranaError("SQL_INPUT_ERROR", `SQL input error: ${error.message} (at offset ${offset})`)
}

/** The text holds no statement. */
export const noStatement = () => new HranaError("SQL_NO_STATEMENT", "SQL string does not contain any statement")

/** The text holds more than one statement (an `execute` or a batch step takes one). */
export const manyStatements = () => new HranaError("SQL_MANY_STATEMENTS", "SQL string contains more than one statement")

/** A statement given both `args` and `named_args`. */
export const bothPositionalAndNamed = () =>
  new HranaError("ARGS_BOTH_POSITIONAL_AND_NAMED", "Specifying both positional and named arguments is not supported")

/** The arguments do not fit the statement's parameters (`detail` as sqld words it). */
export const argsInvalid = (detail: string) =>
  new HranaError("ARGS_INVALID", `Arguments do not match SQL parameters: ${detail}`)

/** Anything thrown while executing, as the error of one request or batch step. */
export const toStmtError = (error: unknown): HranaError => {
  if (error instanceof HranaError) return error
  if (isNativeError(error)) return stepError(error)
  return new HranaError("INTERNAL_ERROR", error instanceof Error ? error.message : String(error))
}
