/** Log levels, least to most verbose. */
export const LEVELS = ["error", "warn", "info", "debug", "trace"] as const
export type Level = (typeof LEVELS)[number]

/** Targets in RUST_LOG that mean this service (the original crate's name and ours). */
const OWN_TARGETS = ["memory_storage_turso", "memory_turso"]

const isLevel = (s: string): s is Level => (LEVELS as ReadonlyArray<string>).includes(s)

/**
 * The level RUST_LOG's directive syntax gives this service: a `memory_storage_turso=<level>` (or `memory_turso`)
 * directive wins over the bare default level (`info,memory_storage_turso=debug` gives "debug"). Undefined when
 * neither is present; a string message when the syntax is wrong.
 */
export const levelFromRustLog = (value: string): Level | undefined | { readonly error: string } => {
  let fallback: Level | undefined
  let own: Level | undefined
  for (const raw of value.split(",")) {
    const directive = raw.trim().toLowerCase()
    if (directive === "") continue
    const at = directive.indexOf("=")
    const level = at < 0 ? directive : directive.slice(at + 1)
    const target = at < 0 ? undefined : directive.slice(0, at)
    if (level === "off") continue
    if (!isLevel(level))
      return { error: `expected directives like "info,memory_storage_turso=debug", got ${JSON.stringify(raw)}` }
    if (target === undefined) fallback = level
    else if (OWN_TARGETS.some((t) => target === t || target.startsWith(`${t}::`))) own = level
  }
  return own ?? fallback
}
