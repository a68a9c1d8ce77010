/**
 * Runs the test server standalone:
 *   pnpm --filter @memory-turso/testkit start -- --port 8081 --rtt-ms 20 --connect-ms 45 --idle-timeout-ms 5000
 * Prints one line with the URL once listening; stops cleanly on SIGTERM / SIGINT.
 */
import { parseArgs } from "node:util"
import { startTestServer, type TestServerOptions } from "./TestServer.js"

const USAGE = `Usage: testkit [--port 8081] [--host 127.0.0.1] [--admin-port N] [--db memory|file:PATH] [--token T]
  [--rtt-ms N] [--connect-ms N] [--idle-timeout-ms N] [--stream-timeout-ms N] [--busy-timeout-ms N]
The token may also come from TESTKIT_AUTH_TOKEN.`

const numberOption = (name: string, value: string | undefined): number | undefined => {
  if (value === undefined) return undefined
  const n = Number(value)
  if (value.trim() === "" || !Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a non-negative number`)
  return n
}

const parse = (argv: Array<string>): TestServerOptions => {
  const { values } = parseArgs({
    args: argv[0] === "--" ? argv.slice(1) : argv,
    options: {
      port: { type: "string" },
      host: { type: "string" },
      "admin-port": { type: "string" },
      db: { type: "string" },
      token: { type: "string" },
      "rtt-ms": { type: "string" },
      "connect-ms": { type: "string" },
      "idle-timeout-ms": { type: "string" },
      "stream-timeout-ms": { type: "string" },
      "busy-timeout-ms": { type: "string" },
      help: { type: "boolean" }
    }
  })
  if (values.help === true) {
    process.stdout.write(`${USAGE}\n`)
    process.exit(0)
  }
  const network = Object.fromEntries(
    Object.entries({
      rtt_ms: numberOption("rtt-ms", values["rtt-ms"]),
      connect_ms: numberOption("connect-ms", values["connect-ms"]),
      idle_timeout_ms: numberOption("idle-timeout-ms", values["idle-timeout-ms"]),
      stream_timeout_ms: numberOption("stream-timeout-ms", values["stream-timeout-ms"]),
      busy_timeout_ms: numberOption("busy-timeout-ms", values["busy-timeout-ms"])
    }).filter(([, v]) => v !== undefined)
  )
  const token = values.token ?? process.env.TESTKIT_AUTH_TOKEN
  const adminPort = numberOption("admin-port", values["admin-port"])
  return {
    port: numberOption("port", values.port) ?? 8081,
    ...(values.host === undefined ? {} : { host: values.host }),
    ...(adminPort === undefined ? {} : { adminPort }),
    ...(values.db === undefined ? {} : { db: values.db }),
    ...(token === undefined || token === "" ? {} : { authToken: token }),
    network
  }
}

const main = async () => {
  let options: TestServerOptions
  try {
    options = parse(process.argv.slice(2))
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`)
    process.exit(2)
  }
  const server = await startTestServer(options)
  const admin = server.adminUrl === undefined ? "" : ` (admin ${server.adminUrl})`
  const auth = options.authToken === undefined ? "" : " (auth token required)"
  process.stdout.write(`libsql test server listening on ${server.url}${admin}${auth}\n`)
  let stopping = false
  const stop = () => {
    if (stopping) return
    stopping = true
    server.destroy().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`stop failed: ${String(error)}\n`)
        process.exit(1)
      }
    )
  }
  process.on("SIGTERM", stop)
  process.on("SIGINT", stop)
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`)
  process.exit(1)
})
