import * as Config from "effect/Config"

/** Where the API listens and how much it accepts. */
export interface ServerConfig {
  readonly port: number
  readonly host: string
  readonly maxBodyBytes: number
  /** How long shutdown waits for in-flight requests before closing their connections. */
  readonly shutdownGraceMs: number
}

/** `PORT` (3000; 0 picks a free port), `HOST` (127.0.0.1), `MAX_BODY_BYTES` (32 MiB), `SHUTDOWN_GRACE_MS` (10000). */
export const fromEnv: Config.Config<ServerConfig> = Config.all({
  port: Config.integer("PORT").pipe(
    Config.validate({ message: "expected a port number 0-65535", validation: (n) => n >= 0 && n <= 65535 }),
    Config.withDefault(3000)
  ),
  host: Config.string("HOST").pipe(Config.withDefault("127.0.0.1")),
  maxBodyBytes: Config.integer("MAX_BODY_BYTES").pipe(
    Config.validate({ message: "expected a positive integer", validation: (n) => n > 0 }),
    Config.withDefault(32 * 1024 * 1024)
  ),
  shutdownGraceMs: Config.integer("SHUTDOWN_GRACE_MS").pipe(
    Config.validate({ message: "expected a non-negative integer", validation: (n) => n >= 0 }),
    Config.withDefault(10_000)
  )
})
