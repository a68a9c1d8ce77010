import { createClient, LibsqlError } from "@libsql/client"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import type { ClientOptions } from "../Database.js"
import * as DatabaseConfig from "../DatabaseConfig.js"
import { DatabaseError, type DatabaseFailure, DatabaseUnavailable } from "../DatabaseError.js"

/**
 * The primary SQLite result code of a code (`SQLITE_CONSTRAINT_PRIMARYKEY` -> `SQLITE_CONSTRAINT`), other codes as
 * they are. A remote server (sqld) sends only primary codes; the embedded engine gives extended ones as
 * `extendedCode`. Classification and `DatabaseError.code` use the primary code, the same on both.
 */
export const primaryCode = (code: string): string => /^SQLITE_[A-Z]+/.exec(code)?.[0] ?? code

/** SQLite codes that say the database cannot serve now (locked, cannot open the file), not that a statement is wrong. */
const UNAVAILABLE_SQLITE = new Set(["SQLITE_BUSY", "SQLITE_CANTOPEN"])

/**
 * sqld's own codes for a statement it refuses before or while running it (libsql-server `StmtError`,
 * `StreamResponseError`): the statement is at fault, and sending it again fails the same way.
 */
const STATEMENT_CODES = new Set([
  "SQL_PARSE_ERROR",
  "SQL_INPUT_ERROR",
  "SQL_NO_STATEMENT",
  "SQL_MANY_STATEMENTS",
  "ARGS_INVALID",
  "ARGS_BOTH_POSITIONAL_AND_NAMED",
  "RESPONSE_TOO_LARGE",
  "SQL_STORE_TOO_MANY",
  "SQL_STORE_TOO_LARGE"
])

/**
 * Unavailable: anything that is not a statement error (network, HTTP status, protocol, sqld's transaction timeout
 * or busy, blocked, an unknown code) and SQLite's busy and cannot-open.
 */
const isUnavailable = (error: unknown): boolean => {
  if (!(error instanceof LibsqlError) || error.code === undefined) return true
  const code = primaryCode(error.code)
  return code.startsWith("SQLITE_") ? UNAVAILABLE_SQLITE.has(code) : !STATEMENT_CODES.has(code)
}

/** Turns a client error into a typed failure whose message never contains the auth token. */
export const toFailure = (operation: string, error: unknown, token?: Redacted.Redacted<string>): DatabaseFailure => {
  const raw = error instanceof Error ? error.message : String(error)
  const secret = token === undefined ? undefined : Redacted.value(token)
  const message = DatabaseConfig.redactUrl(secret ? raw.split(secret).join("[REDACTED]") : raw)
  const code = error instanceof LibsqlError && error.code !== undefined ? primaryCode(error.code) : undefined
  return isUnavailable(error)
    ? new DatabaseUnavailable({ operation, message, code })
    : new DatabaseError({ operation, message, code })
}

/** The deadline of one database call when none is configured (the API's `database.request_timeout_secs`). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000

/** The embedded busy timeout: `busyTimeoutMs` (default 5000), never more than the call deadline. */
export const busyTimeoutOf = (options: ClientOptions): number =>
  Math.min(options.busyTimeoutMs ?? 5000, options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS)

/** Opens a client: for embedded files, creates the directory and turns on WAL. */
export const openClient = (options: ClientOptions) =>
  Effect.gen(function* () {
    const config = yield* DatabaseConfig.validate(options)
    yield* DatabaseConfig.ensureDirectory(config.url)
    const client = yield* Effect.try({
      try: () =>
        createClient({
          url: config.url,
          ...(config.authToken ? { authToken: Redacted.value(config.authToken) } : {}),
          timeout: busyTimeoutOf(options)
        }),
      catch: (error) => toFailure("open", error, config.authToken)
    })
    if (DatabaseConfig.kindOf(config.url) === "embedded") {
      yield* Effect.tryPromise({
        try: () => client.execute("PRAGMA journal_mode = WAL"),
        catch: (error) => toFailure("open", error, config.authToken)
      })
    }
    return client
  })
