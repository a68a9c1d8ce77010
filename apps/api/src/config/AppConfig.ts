import { readFileSync } from "node:fs"
import { DatabaseConfig } from "@memory-turso/pool"
import { type ConfigIssue, ConfigIssue as Issues, StoreConfig } from "@memory-turso/store"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import type * as Schema from "effect/Schema"
import { parse as parseToml } from "smol-toml"
import { AuthSection, startProblem, startWarning } from "../auth/AuthConfig.js"
import { applyEnv } from "./EnvOverrides.js"
import { LimitsSection, moveBodyLimitAlias } from "./LimitsSection.js"
import { MonitoringSection, ServerSection, TelemetrySection } from "./Sections.js"

/** Every section of the configuration file, with its schema: the store's, then the server's own. */
const SECTIONS = {
  server: ServerSection,
  limits: LimitsSection,
  ...StoreConfig.sections,
  monitoring: MonitoringSection,
  telemetry: TelemetrySection,
  auth: AuthSection
} as const

/** The environment variable naming a TOML file of `[[tokens]]` that replaces `auth.tokens` (a mounted secret). */
export const TOKENS_FILE_VARIABLE = "AUTH_TOKENS_FILE"

type Sections = typeof SECTIONS

/** The effective configuration: every section decoded, defaults applied, the environment over the file. */
export type AppConfig = { readonly [K in keyof Sections]: Schema.Schema.Type<Sections[K]> }

/** The configuration cannot be used; one issue per problem. */
export class InvalidConfiguration extends Data.TaggedError("InvalidConfiguration")<{
  readonly issues: ReadonlyArray<ConfigIssue.ConfigIssue>
}> {
  override get message(): string {
    return this.issues.map(Issues.format).join("\n")
  }
}

/** A loaded configuration and what was noticed on the way (unknown keys, settings without effect). */
export interface Loaded {
  readonly config: AppConfig
  readonly warnings: ReadonlyArray<string>
  /** `section.key` -> the environment variable that set it. */
  readonly origins: ReadonlyMap<string, string>
}

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
    const sections: Record<string, unknown> = { ...raw }
    const { errors, origins } = applyEnv(sections, options.env)
    const tokensFile = options.env[TOKENS_FILE_VARIABLE]
    if (tokensFile !== undefined && tokensFile !== "") {
      const tokens = (yield* readFile(tokensFile, `auth.tokens (from ${TOKENS_FILE_VARIABLE})`))["tokens"]
      sections["auth"] = { ...(sections["auth"] as object | undefined), tokens: tokens ?? [] }
      origins.set("auth.tokens", TOKENS_FILE_VARIABLE)
    }
    const alias = moveBodyLimitAlias(sections, origins)
    const decoded = StoreConfig.decodeSections(SECTIONS, sections, (path) => originOf(origins, path))
    const issues: Array<ConfigIssue.ConfigIssue> = [...errors, ...alias.issues, ...decoded.issues]
    const config = decoded.config
    if (config !== undefined) {
      issues.push(...StoreConfig.check(config, "set TURSO_AUTH_TOKEN"))
      const unprotected = startProblem(config.auth, config.server.host)
      if (unprotected !== undefined) issues.push({ path: "auth.tokens", message: unprotected })
    }
    if (config === undefined || issues.length > 0) return yield* Effect.fail(new InvalidConfiguration({ issues }))
    const warnings = [...alias.warnings, ...decoded.warnings, ...StoreConfig.warningsOf(config)]
    const open = startWarning(config.auth, config.server.host)
    if (open !== undefined) warnings.push(open)
    return { config: StoreConfig.applyMasterSwitch(config), warnings, origins }
  })

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
