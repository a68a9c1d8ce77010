import { readFileSync } from "node:fs"
import { CacheConfig } from "@memory-turso/cache"
import { CompressionConfig } from "@memory-turso/compression"
import { KeepAliveConfig } from "@memory-turso/keepalive"
import { DatabaseConfig, PoolConfig } from "@memory-turso/pool"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as SchemaAST from "effect/SchemaAST"
import { parse as parseToml } from "smol-toml"
import { AuthSection, startProblem, startWarning } from "../auth/AuthConfig.js"
import { type ConfigIssue, format, issuesOf } from "./ConfigIssue.js"
import { applyEnv } from "./EnvOverrides.js"
import { DatabaseSection, MonitoringSection, OptimizationsSection, RetrySection, ServerSection } from "./Sections.js"

/** Every section of the configuration file, with its schema. */
const SECTIONS = {
  server: ServerSection,
  database: DatabaseSection,
  connection_pool: PoolConfig.ConnectionPoolSection,
  keepalive: KeepAliveConfig.KeepAliveSection,
  compression: CompressionConfig.CompressionConfig,
  cache: CacheConfig.CacheSection,
  monitoring: MonitoringSection,
  retry: RetrySection,
  optimizations: OptimizationsSection,
  auth: AuthSection
} as const

/** The environment variable naming a TOML file of `[[tokens]]` that replaces `auth.tokens` (a mounted secret). */
export const TOKENS_FILE_VARIABLE = "AUTH_TOKENS_FILE"

type Sections = typeof SECTIONS

/** The effective configuration: every section decoded, defaults applied, the environment over the file. */
export type AppConfig = { readonly [K in keyof Sections]: Schema.Schema.Type<Sections[K]> }

/** The configuration cannot be used; one issue per problem. */
export class InvalidConfiguration extends Data.TaggedError("InvalidConfiguration")<{
  readonly issues: ReadonlyArray<ConfigIssue>
}> {
  override get message(): string {
    return this.issues.map(format).join("\n")
  }
}

/** A loaded configuration and what was noticed on the way (unknown keys, settings without effect). */
export interface Loaded {
  readonly config: AppConfig
  readonly warnings: ReadonlyArray<string>
  /** `section.key` -> the environment variable that set it. */
  readonly origins: ReadonlyMap<string, string>
}

const knownKeys = (schema: Schema.Schema.AnyNoContext): ReadonlySet<string> =>
  new Set(SchemaAST.getPropertySignatures(Schema.encodedSchema(schema).ast).map((p) => String(p.name)))

const isTable = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

/** Reads and parses a TOML file into sections; problems are reported under `label`. */
const readFile = (path: string, label = "config file"): Effect.Effect<Record<string, unknown>, InvalidConfiguration> =>
  Effect.try({
    try: () => readFileSync(path, "utf8"),
    catch: (error) =>
      new InvalidConfiguration({
        issues: [
          {
            path: label,
            message: `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`
          }
        ]
      })
  }).pipe(
    Effect.flatMap((text) =>
      Effect.try({
        try: () => parseToml(text) as Record<string, unknown>,
        catch: (error) =>
          new InvalidConfiguration({
            issues: [{ path: label, message: `${path} is not valid TOML: ${(error as Error).message.split("\n")[0]}` }]
          })
      })
    )
  )

/**
 * Loads the configuration: the optional TOML file, then the environment over it, then every section decoded.
 * Problems are collected, not stopped at: the error lists them all, each naming its key path (and the variable
 * it came from). Unknown sections and keys are warnings.
 */
export const load = (options: {
  readonly file?: string | undefined
  readonly env: Readonly<Record<string, string | undefined>>
}): Effect.Effect<Loaded, InvalidConfiguration> =>
  Effect.gen(function* () {
    const raw = options.file === undefined ? {} : yield* readFile(options.file)
    const warnings: Array<string> = []
    const sections: Record<string, Record<string, unknown>> = {}
    for (const [name, value] of Object.entries(raw)) {
      if (!(name in SECTIONS)) warnings.push(`[${name}]: unknown section (ignored)`)
      else if (!isTable(value)) warnings.push(`${name}: expected a [${name}] table (ignored)`)
      else sections[name] = { ...value }
    }
    const { errors, origins } = applyEnv(sections, options.env)
    const tokensFile = options.env[TOKENS_FILE_VARIABLE]
    if (tokensFile !== undefined && tokensFile !== "") {
      const tokens = (yield* readFile(tokensFile, `auth.tokens (from ${TOKENS_FILE_VARIABLE})`))["tokens"]
      sections["auth"] = { ...(sections["auth"] ?? {}), tokens: tokens ?? [] }
      origins.set("auth.tokens", TOKENS_FILE_VARIABLE)
    }
    const issues: Array<ConfigIssue> = [...errors]
    const decoded: Record<string, unknown> = {}
    for (const [name, schema] of Object.entries(SECTIONS) as Array<[keyof Sections, Schema.Schema.AnyNoContext]>) {
      const input = sections[name] ?? {}
      const known = knownKeys(schema)
      for (const key of Object.keys(input)) if (!known.has(key)) warnings.push(`${name}.${key}: unknown key (ignored)`)
      const result = Schema.decodeUnknownEither(schema, { errors: "all", onExcessProperty: "ignore" })(input)
      if (result._tag === "Right") decoded[name] = result.right
      else {
        for (const issue of issuesOf(name, result.left)) {
          const origin = originOf(origins, issue.path)
          issues.push(origin === undefined ? issue : { ...issue, path: `${issue.path} (from ${origin})` })
        }
      }
    }
    const database = decoded["database"] as AppConfig["database"] | undefined
    if (database !== undefined) {
      const checked = DatabaseConfig.validate({ url: database.url, authToken: database.token })
      if ((yield* Effect.either(checked))._tag === "Left") {
        issues.push({
          path: "database.token",
          message: "a remote database URL needs an auth token: set TURSO_AUTH_TOKEN"
        })
      }
    }
    const server = decoded["server"] as AppConfig["server"] | undefined
    const auth = decoded["auth"] as AppConfig["auth"] | undefined
    const unprotected = server && auth && startProblem(auth, server.host)
    if (unprotected !== undefined) issues.push({ path: "auth.tokens", message: unprotected })
    if (issues.length > 0) return yield* Effect.fail(new InvalidConfiguration({ issues }))
    const config = decoded as AppConfig
    const open = startWarning(config.auth, config.server.host)
    if (open !== undefined) warnings.push(open)
    if (config.compression.compress_embeddings) {
      warnings.push(
        "compression.compress_embeddings: has no effect: embeddings are stored as native float32 vectors so libSQL can compute distances, and floats barely compress (2-6% measured)"
      )
    }
    return { config: applyMasterSwitch(config), warnings, origins }
  })

/**
 * ENABLE_OPTIMIZATIONS=false turns keep-alive, compression, the cache and the prepared-statement cache off, whatever
 * their own switches say.
 */
const applyMasterSwitch = (config: AppConfig): AppConfig =>
  config.optimizations.enabled
    ? config
    : {
        ...config,
        database: { ...config.database, statement_cache_size: 0 },
        keepalive: { ...config.keepalive, enabled: false },
        compression: { ...config.compression, enabled: false },
        cache: { ...config.cache, enabled: false }
      }

/** Where a key path's value came from: the variable that set it or one of its parents (`auth.tokens.0.name`). */
const originOf = (origins: ReadonlyMap<string, string>, path: string): string | undefined => {
  for (let key = path; key.includes("."); key = key.slice(0, key.lastIndexOf("."))) {
    const origin = origins.get(key)
    if (origin !== undefined) return origin
  }
  return undefined
}

/**
 * The configuration as JSON; secrets print as "<redacted>" (Redacted values and token hashes) and URL tokens as
 * "[REDACTED]".
 */
export const redacted = (config: AppConfig): string =>
  JSON.stringify(
    config,
    (key, value: unknown) =>
      key === "url" && typeof value === "string"
        ? DatabaseConfig.redactUrl(value)
        : key === "sha256"
          ? "<redacted>"
          : value,
    2
  )
