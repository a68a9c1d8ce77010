import { levelFromRustLog } from "./RustLog.js"

type Kind = "text" | "int" | "bool"

/** Environment variables operators already set, and the key each overrides. */
export const ENV_KEYS: ReadonlyArray<readonly [variable: string, section: string, key: string, kind: Kind]> = [
  ["TURSO_DB_URL", "database", "url", "text"],
  ["TURSO_AUTH_TOKEN", "database", "token", "text"],
  ["ENABLE_OPTIMIZATIONS", "optimizations", "enabled", "bool"],
  ["ENABLE_COMPRESSION", "compression", "enabled", "bool"],
  ["ENABLE_CACHE", "cache", "enabled", "bool"],
  ["ENABLE_KEEPALIVE", "keepalive", "enabled", "bool"],
  ["MAX_CONNECTIONS", "connection_pool", "max_connections", "int"],
  ["CACHE_SIZE_EPISODES", "cache", "max_episodes", "int"],
  ["CACHE_SIZE_PATTERNS", "cache", "max_patterns", "int"],
  ["METRICS_ENABLED", "monitoring", "enabled", "bool"],
  ["METRICS_INTERVAL_SECS", "monitoring", "metrics_interval_secs", "int"],
  ["LOG_LEVEL", "monitoring", "log_level", "text"],
  ["PORT", "server", "port", "int"],
  ["HOST", "server", "host", "text"],
  ["MAX_BODY_BYTES", "limits", "max_body_bytes", "int"],
  ["SHUTDOWN_GRACE_MS", "server", "shutdown_grace_ms", "int"],
  ["OTEL_EXPORTER_OTLP_ENDPOINT", "telemetry", "otlp_endpoint", "text"]
]

const TRUE = new Set(["true", "1", "yes", "on"])
const FALSE = new Set(["false", "0", "no", "off"])

/** An env string as the kind of value its key wants; anything unparsable stays a string for the schema to reject. */
const parse = (kind: Kind, value: string): unknown => {
  const trimmed = value.trim()
  if (kind === "int") return /^[+-]?\d{1,15}$/.test(trimmed) ? Number(trimmed) : value
  if (kind === "bool") {
    const lower = trimmed.toLowerCase()
    return TRUE.has(lower) ? true : FALSE.has(lower) ? false : value
  }
  return value
}

/** Where each overridden key path (`section.key`) came from. */
export type Origins = Map<string, string>

/**
 * Writes the environment's values over the file's sections (mutating `sections`). `DATABASE_URL` stands in for
 * `TURSO_DB_URL`; `RUST_LOG` gives the log level when `LOG_LEVEL` is unset. Empty variables count as unset.
 * Returns where each key came from and any RUST_LOG syntax error.
 */
export const applyEnv = (
  sections: Record<string, unknown>,
  env: Readonly<Record<string, string | undefined>>
): { readonly origins: Origins; readonly errors: ReadonlyArray<{ path: string; message: string }> } => {
  const origins: Origins = new Map()
  const errors: Array<{ path: string; message: string }> = []
  const set = (variable: string, section: string, key: string, value: unknown) => {
    const current = sections[section]
    sections[section] = { ...(typeof current === "object" && current !== null ? current : {}), [key]: value }
    origins.set(`${section}.${key}`, variable)
  }
  const present = (name: string) => {
    const value = env[name]
    return value === undefined || value === "" ? undefined : value
  }
  for (const [variable, section, key, kind] of ENV_KEYS) {
    const value = present(variable)
    if (value !== undefined) set(variable, section, key, parse(kind, value))
  }
  const databaseUrl = present("DATABASE_URL")
  if (present("TURSO_DB_URL") === undefined && databaseUrl !== undefined)
    set("DATABASE_URL", "database", "url", databaseUrl)
  const rustLog = present("RUST_LOG")
  if (present("LOG_LEVEL") === undefined && rustLog !== undefined) {
    const level = levelFromRustLog(rustLog)
    if (typeof level === "object") errors.push({ path: "monitoring.log_level (from RUST_LOG)", message: level.error })
    else if (level !== undefined) set("RUST_LOG", "monitoring", "log_level", level)
  }
  return { origins, errors }
}
