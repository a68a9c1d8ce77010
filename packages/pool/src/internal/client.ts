import { createClient, LibsqlError } from "@libsql/client"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import type { ClientOptions } from "../Database.js"
import * as DatabaseConfig from "../DatabaseConfig.js"
import { DatabaseError, type DatabaseFailure, DatabaseUnavailable } from "../DatabaseError.js"

const isUnavailable = (error: unknown): boolean =>
  !(error instanceof LibsqlError) ||
  error.code === undefined ||
  !error.code.startsWith("SQLITE_") ||
  error.code.startsWith("SQLITE_BUSY") ||
  error.code === "SQLITE_CANTOPEN"

/** Turns a client error into a typed failure whose message never contains the auth token. */
export const toFailure = (operation: string, error: unknown, token?: Redacted.Redacted<string>): DatabaseFailure => {
  const raw = error instanceof Error ? error.message : String(error)
  const secret = token === undefined ? undefined : Redacted.value(token)
  const message = DatabaseConfig.redactUrl(secret ? raw.split(secret).join("[REDACTED]") : raw)
  const code = error instanceof LibsqlError ? (error.extendedCode ?? error.code) : undefined
  return isUnavailable(error)
    ? new DatabaseUnavailable({ operation, message, code })
    : new DatabaseError({ operation, message, code })
}

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
          timeout: options.busyTimeoutMs ?? 5000
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
