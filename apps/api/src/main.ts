import { Codec } from "@memory-turso/compression"
import { Database, DatabaseConfig, Storage } from "@memory-turso/storage-core"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import { baseline } from "./Features.js"
import { startServer } from "./Server.js"
import * as ServerConfig from "./ServerConfig.js"

const EXIT_CONFIG = 2

const fail = (message: string, code: number): never => {
  process.stderr.write(`${JSON.stringify({ level: "FATAL", message })}\n`)
  process.exit(code)
}

const log = (message: string, fields: Record<string, unknown> = {}) =>
  process.stdout.write(
    `${JSON.stringify({ timestamp: new Date().toISOString(), level: "INFO", message, ...fields })}\n`
  )

const main = async () => {
  const config = await Effect.runPromise(
    Effect.all({ server: ServerConfig.fromEnv, database: DatabaseConfig.fromEnv }).pipe(
      Effect.flatMap(({ database, server }) =>
        Effect.map(DatabaseConfig.validate(database), (database) => ({ server, database }))
      ),
      Effect.either
    )
  )
  if (config._tag === "Left") return fail(`invalid configuration: ${config.left.message}`, EXIT_CONFIG)
  const { database, server: serverConfig } = config.right

  const storage = Storage.layer.pipe(Layer.provideMerge(Database.layer(database)), Layer.provide(Codec.layer()))
  const server = await startServer({
    ...serverConfig,
    storage,
    features: { ...baseline, compression: true },
    runtimeLayer: Logger.replace(Logger.defaultLogger, Logger.jsonLogger)
  }).catch((error: unknown) => fail(`could not start: ${error instanceof Error ? error.message : String(error)}`, 1))
  log("memory-turso API listening", {
    url: server.url,
    database: DatabaseConfig.redactUrl(database.url),
    database_kind: DatabaseConfig.kindOf(database.url)
  })

  const shutdown = (signal: string) => {
    log("shutting down", { signal })
    server.close().then(
      () => process.exit(0),
      () => process.exit(1)
    )
  }
  process.once("SIGTERM", () => shutdown("SIGTERM"))
  process.once("SIGINT", () => shutdown("SIGINT"))
}

void main()
