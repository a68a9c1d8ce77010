import { mkdirSync } from "node:fs"
import { dirname, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { MissingAuthToken } from "./DatabaseError.js"

/** The database used when nothing is configured. */
export const DEFAULT_URL = "file:./data/memory.db"

/** Where the database lives and how to authenticate. */
export interface DatabaseConfig {
  readonly url: string
  readonly authToken?: Redacted.Redacted<string> | undefined
}

/** `embedded` for `file:` URLs (in-process engine), `remote` for everything else. */
export type DatabaseKind = "embedded" | "remote"

/** The kind of database a URL points at. */
export const kindOf = (url: string): DatabaseKind =>
  url.startsWith("file:") || url === ":memory:" ? "embedded" : "remote"

/** True for schemes that reach a server over TLS (a token is required for those). */
const needsToken = (url: string): boolean => /^(libsql|https|wss):/i.test(url)

const hasTokenInUrl = (url: string): boolean => /[?&]authToken=[^&]+/.test(url)

/** The URL with any `authToken` query parameter masked, fit for logs. */
export const redactUrl = (url: string): string => url.replace(/([?&]authToken=)[^&]*/g, "$1[REDACTED]")

/**
 * Checks a configuration: a `libsql:`, `https:` or `wss:` URL needs a token (`http:` servers, such as a local
 * sqld or the test server, may run without one).
 */
export const validate = (config: DatabaseConfig, tokenVariable = "TURSO_AUTH_TOKEN") =>
  needsToken(config.url) && config.authToken === undefined && !hasTokenInUrl(config.url)
    ? Effect.fail(new MissingAuthToken({ variable: tokenVariable }))
    : Effect.succeed(config)

/** The filesystem path of a `file:` URL, or undefined for in-memory databases. */
export const filePath = (url: string): string | undefined => {
  if (!url.startsWith("file:") || url.includes(":memory:")) return undefined
  const withoutQuery = url.split("?")[0]!
  return withoutQuery.startsWith("file://") ? fileURLToPath(withoutQuery) : resolve(withoutQuery.slice("file:".length))
}

/** Creates the directory of an embedded database file. */
export const ensureDirectory = (url: string) =>
  Effect.sync(() => {
    const path = filePath(url)
    if (path !== undefined) mkdirSync(dirname(path), { recursive: true })
  })

/**
 * The database configuration from the environment: `TURSO_DB_URL` (or `DATABASE_URL`, default
 * `file:./data/memory.db`) and `TURSO_AUTH_TOKEN`.
 */
export const fromEnv: Config.Config<DatabaseConfig> = Config.all({
  url: Config.string("TURSO_DB_URL").pipe(
    Config.orElse(() => Config.string("DATABASE_URL")),
    Config.withDefault(DEFAULT_URL)
  ),
  authToken: Config.option(Config.redacted("TURSO_AUTH_TOKEN"))
}).pipe(
  Config.map(({ authToken, url }) => ({
    url,
    authToken: Option.getOrUndefined(Option.filter(authToken, (t) => Redacted.value(t).length > 0))
  }))
)
