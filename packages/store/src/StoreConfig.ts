import { KeepAliveConfig } from "@memory-turso/keepalive"
import { DatabaseConfig, PoolConfig } from "@memory-turso/pool"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as SchemaAST from "effect/SchemaAST"
import { CacheSection } from "./CacheSection.js"
import { CompressionSection } from "./CompressionSection.js"
import { type ConfigIssue, format, issuesOf } from "./ConfigIssue.js"
import { RecallSection } from "./RecallSection.js"
import { DatabaseSection, OptimizationsSection, RetrySection } from "./Sections.js"

/** The sections a memory store is configured with: the operators' TOML sections, by name. */
export const sections = {
  database: DatabaseSection,
  connection_pool: PoolConfig.ConnectionPoolSection,
  keepalive: KeepAliveConfig.KeepAliveSection,
  compression: CompressionSection,
  cache: CacheSection,
  retry: RetrySection,
  optimizations: OptimizationsSection,
  recall: RecallSection
} as const

type Sections = typeof sections

/** A decoded store configuration: every section with its defaults applied. */
export type StoreConfig = { readonly [K in keyof Sections]: Schema.Schema.Type<Sections[K]> }

/** A store configuration as written: every section and key optional. */
export type StoreConfigInput = { readonly [K in keyof Sections]?: Schema.Schema.Encoded<Sections[K]> }

/** The configuration cannot be used; one issue per problem, each naming its key path. */
export class InvalidStoreConfig extends Data.TaggedError("InvalidStoreConfig")<{
  readonly issues: ReadonlyArray<ConfigIssue>
}> {
  override get message(): string {
    return this.issues.map(format).join("\n")
  }
}

/** What decoding named sections gave: the decoded sections (when there was no problem), problems and warnings. */
export interface Decoded<S extends Record<string, Schema.Schema.AnyNoContext>> {
  readonly config: { readonly [K in keyof S]: Schema.Schema.Type<S[K]> } | undefined
  readonly issues: ReadonlyArray<ConfigIssue>
  readonly warnings: ReadonlyArray<string>
}

const knownKeys = (schema: Schema.Schema.AnyNoContext): ReadonlySet<string> =>
  new Set(SchemaAST.getPropertySignatures(Schema.encodedSchema(schema).ast).map((p) => String(p.name)))

const isTable = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

/**
 * Decodes the named sections of `input` (absent ones take their defaults). Problems are collected, not stopped at:
 * one issue per key path, its path suffixed with `(from X)` when `originOf` names where the value came from.
 * Unknown sections and keys are warnings, never silently dropped.
 */
export const decodeSections = <S extends Record<string, Schema.Schema.AnyNoContext>>(
  schemas: S,
  input: Readonly<Record<string, unknown>>,
  originOf: (path: string) => string | undefined = () => undefined
): Decoded<S> => {
  const issues: Array<ConfigIssue> = []
  const warnings: Array<string> = []
  const decoded: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(input)) {
    if (!(name in schemas)) warnings.push(`[${name}]: unknown section (ignored)`)
    else if (value !== undefined && !isTable(value)) issues.push({ path: name, message: `expected a [${name}] table` })
  }
  for (const [name, schema] of Object.entries(schemas)) {
    const section = isTable(input[name]) ? input[name] : {}
    const known = knownKeys(schema)
    for (const key of Object.keys(section)) if (!known.has(key)) warnings.push(`${name}.${key}: unknown key (ignored)`)
    const result = Schema.decodeUnknownEither(schema, { errors: "all", onExcessProperty: "ignore" })(section)
    if (Either.isRight(result)) decoded[name] = result.right
    else {
      for (const issue of issuesOf(name, result.left)) {
        const origin = originOf(issue.path)
        issues.push(origin === undefined ? issue : { ...issue, path: `${issue.path} (from ${origin})` })
      }
    }
  }
  return { config: issues.length === 0 ? (decoded as Decoded<S>["config"]) : undefined, issues, warnings }
}

/**
 * Rules across keys of a decoded store configuration: a remote URL must be one the pool can use, and needs a token
 * (`tokenHint` says how to give one).
 */
export const check = (config: StoreConfig, tokenHint: string): ReadonlyArray<ConfigIssue> => {
  const validated = Effect.runSync(
    Effect.either(DatabaseConfig.validate({ url: config.database.url, authToken: config.database.token }))
  )
  if (Either.isRight(validated)) return []
  return validated.left._tag === "MissingAuthToken"
    ? [{ path: "database.token", message: `a remote database URL needs an auth token: ${tokenHint}` }]
    : [{ path: "database.url", message: validated.left.message }]
}

/** Settings that are accepted but do nothing, said once at start. */
export const warningsOf = (config: StoreConfig): ReadonlyArray<string> =>
  config.compression.compress_embeddings
    ? [
        "compression.compress_embeddings: has no effect: embeddings are stored as native float32 vectors so libSQL can compute distances, and floats barely compress (2-6% measured)"
      ]
    : []

/**
 * The master switch (`optimizations.enabled = false`, ENABLE_OPTIMIZATIONS=false) turns keep-alive, compression,
 * the cache and the prepared-statement cache off, whatever their own switches say.
 */
export const applyMasterSwitch = <C extends StoreConfig>(config: C): C =>
  config.optimizations.enabled
    ? config
    : {
        ...config,
        database: { ...config.database, statement_cache_size: 0 },
        keepalive: { ...config.keepalive, enabled: false },
        compression: { ...config.compression, enabled: false },
        cache: { ...config.cache, enabled: false }
      }

/**
 * Decodes a store configuration (the operators' sections, as objects) with the same messages the API gives for its
 * TOML file; the master switch applied. Unknown sections and keys are warnings.
 */
export const decode = (
  input: StoreConfigInput,
  options: { readonly tokenHint?: string } = {}
): Either.Either<{ readonly config: StoreConfig; readonly warnings: ReadonlyArray<string> }, InvalidStoreConfig> => {
  const result = decodeSections(sections, input)
  if (result.config === undefined) return Either.left(new InvalidStoreConfig({ issues: result.issues }))
  const crossKey = check(result.config, options.tokenHint ?? "pass authToken")
  if (crossKey.length > 0) return Either.left(new InvalidStoreConfig({ issues: crossKey }))
  return Either.right({
    config: applyMasterSwitch(result.config),
    warnings: [...result.warnings, ...warningsOf(result.config)]
  })
}
