import { mkdirSync } from "node:fs"
import { dirname, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { InvalidDatabaseUrl, MissingAuthToken } from "./DatabaseError.js"

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

/** The schemes of remote databases: all of them go over HTTP (`libsql:` is HTTPS, or HTTP with `?tls=0`). */
export const REMOTE_SCHEMES: ReadonlyArray<string> = ["libsql:", "https:", "http:"]

/** True for schemes that reach a server over TLS (a token is required for those). */
const needsToken = (url: URL): boolean => url.protocol === "https:" || url.protocol === "libsql:"

const hasTokenInUrl = (url: string): boolean => /[?&]authToken=[^&]+/.test(url)

/** The URL with any `authToken` query parameter and any `user:password@` masked, fit for logs and errors. */
export const redactUrl = (url: string): string =>
  url.replace(/([?&]authToken=)[^&]*/g, "$1[REDACTED]").replace(/(\/\/)[^/@\s]+@/g, "$1[REDACTED]@")

const SUPPORTED = "expected file: (embedded) or libsql://, https:// or http:// (remote)"

/**
 * Parses a remote URL. `ws:` and `wss:` are refused: the client would speak WebSockets to them and bypass the
 * pool's HTTP connections.
 */
export const parseRemoteUrl = (url: string): Effect.Effect<URL, InvalidDatabaseUrl> =>
  Effect.suspend(() => {
    const fail = (reason: string) => Effect.fail(new InvalidDatabaseUrl({ url: redactUrl(url), reason }))
    let parsed: URL
    try {
      parsed = new URL(url)
    } catch {
      return fail(`not a URL; ${SUPPORTED}`)
    }
    if (!REMOTE_SCHEMES.includes(parsed.protocol)) {
      return fail(`the scheme ${parsed.protocol} is not supported; ${SUPPORTED}`)
    }
    if (parsed.hostname === "") return fail(`no host; ${SUPPORTED}`)
    return Effect.succeed(parsed)
  })

/**
 * Checks a configuration: a remote URL must parse with a supported scheme (`InvalidDatabaseUrl`), and a
 * `libsql:` or `https:` URL needs a token (`http:` servers, such as a local sqld or the test server, may run
 * without one).
 */
export const validate = (
  config: DatabaseConfig,
  tokenVariable = "TURSO_AUTH_TOKEN"
): Effect.Effect<DatabaseConfig, MissingAuthToken | InvalidDatabaseUrl> =>
  kindOf(config.url) === "embedded"
    ? Effect.succeed(config)
    : Effect.flatMap(parseRemoteUrl(config.url), (url) =>
        needsToken(url) && config.authToken === undefined && !hasTokenInUrl(config.url)
          ? Effect.fail(new MissingAuthToken({ variable: tokenVariable }))
          : Effect.succeed(config)
      )

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
