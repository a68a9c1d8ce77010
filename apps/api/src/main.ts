import { MemoryStore } from "@memory-turso/store"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as AppConfig from "./config/AppConfig.js"
import { startServer } from "./Server.js"
import { logFeatures, logLevelOf } from "./stack/FeatureLog.js"
import * as MetricsReporter from "./stack/MetricsReporter.js"
import * as Telemetry from "./telemetry/Telemetry.js"
import * as TraceLogger from "./telemetry/TraceLogger.js"

/** Exit codes: 0 ok, 1 could not start, 2 invalid configuration. */
const EXIT_START = 1
const EXIT_CONFIG = 2

const USAGE = `usage: memory-turso-api [--config FILE] [--check]
       memory-turso-api config check [--config FILE]
  --config FILE   TOML configuration (default: $CONFIG_FILE, else none); the environment overrides it
  --check         validate the file and environment, print the effective configuration (secrets redacted), exit`

/** Effect's JSON logger (with trace ids), on stdout; `stderr` for the line written when start-up fails. */
const stdout = TraceLogger.json
const stderr = TraceLogger.jsonStderr

/** Logs one line in the same JSON shape as every log of the running API (fields under `annotations`). */
const log = (
  level: LogLevel.LogLevel,
  message: string,
  annotations: Record<string, unknown> = {},
  logger: Layer.Layer<never> = stdout
) => Effect.runSync(Effect.logWithLevel(level, message).pipe(Effect.annotateLogs(annotations), Effect.provide(logger)))

/** Reads `--config FILE`, `--config=FILE`, `--check` and `config check`. */
const parseArgs = (argv: ReadonlyArray<string>) => {
  let file: string | undefined
  let check = false
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === "--") continue
    if (arg === "--config") file = argv[++i]
    else if (arg.startsWith("--config=")) file = arg.slice("--config=".length)
    else if (arg === "--check" || (arg === "config" && argv[i + 1] === "check")) {
      check = true
      if (arg === "config") i++
    } else if (arg === "--help" || arg === "-h") return { help: true as const }
    else return { error: `unknown argument ${JSON.stringify(arg)}` }
  }
  if (file === "") return { error: "--config needs a file" }
  return { file, check }
}

const main = async () => {
  const args = parseArgs(process.argv.slice(2))
  if ("help" in args) {
    process.stdout.write(`${USAGE}\n`)
    return process.exit(0)
  }
  if ("error" in args) {
    process.stderr.write(`${args.error}\n${USAGE}\n`)
    return process.exit(EXIT_CONFIG)
  }
  const file = args.file ?? (process.env["CONFIG_FILE"] || undefined)
  const loaded = await Effect.runPromise(Effect.either(AppConfig.load({ file, env: process.env })))
  if (loaded._tag === "Left") {
    process.stderr.write(
      `invalid configuration:\n${loaded.left.issues.map((i) => `  ${i.path}: ${i.message}`).join("\n")}\n`
    )
    return process.exit(EXIT_CONFIG)
  }
  const { config, warnings } = loaded.right
  if (args.check) {
    process.stdout.write(`${AppConfig.redacted(config)}\n`)
    for (const warning of warnings) process.stderr.write(`warning: ${warning}\n`)
    return process.exit(0)
  }
  for (const warning of warnings) log(LogLevel.Warning, warning)

  const logger = Layer.merge(TraceLogger.json, Logger.minimumLogLevel(logLevelOf(config.monitoring.log_level)))
  const server = await startServer({
    port: config.server.port,
    host: config.server.host,
    limits: config.limits,
    allowedOrigins: config.server.allowed_origins,
    shutdownGraceMs: config.server.shutdown_grace_ms,
    auth: config.auth,
    storage: MemoryStore.layer(config, {
      idempotencyWindow: Duration.seconds(config.server.idempotency_window_secs),
      maxResponseBytes: config.limits.max_response_bytes
    }),
    runtimeLayer: logger,
    logRequests: config.monitoring.log_level === "debug" || config.monitoring.log_level === "trace",
    background: MetricsReporter.layer({
      enabled: config.monitoring.enabled,
      intervalSecs: config.monitoring.metrics_interval_secs
    }),
    telemetry: Telemetry.fromSection(config.telemetry),
    onStarted: (status) => logFeatures(config, status)
  }).catch((error: unknown) => {
    log(LogLevel.Fatal, `could not start: ${error instanceof Error ? error.message : String(error)}`, {}, stderr)
    return process.exit(EXIT_START)
  })
  log(LogLevel.Info, "memory-turso API listening", { url: server.url })

  const shutdown = (signal: string) => {
    log(LogLevel.Info, "shutting down", { signal })
    server.close().then(
      () => process.exit(0),
      () => process.exit(1)
    )
  }
  process.once("SIGTERM", () => shutdown("SIGTERM"))
  process.once("SIGINT", () => shutdown("SIGINT"))
}

void main()
