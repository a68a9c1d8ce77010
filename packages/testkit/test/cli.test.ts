import { spawn } from "node:child_process"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"
import { createClient } from "@libsql/client"
import * as Effect from "effect/Effect"
import { run } from "./support/helpers.js"

const packageDir = fileURLToPath(new URL("..", import.meta.url))

describe("CLI", () => {
  it.scopedLive("prints one line with the URL, serves with the given knobs and token, exits 0 on SIGTERM", () =>
    Effect.gen(function* () {
      const token = "tok-cli-7f3a9c2e"
      const child = spawn(
        "node",
        ["--import", "tsx", "src/cli.ts", "--", "--port", "0", "--rtt-ms", "3", "--connect-ms", "4", "--token", token],
        { cwd: packageDir, stdio: ["ignore", "pipe", "pipe"] }
      )
      yield* Effect.addFinalizer(() => Effect.sync(() => child.kill("SIGKILL")))
      let stdout = ""
      let stderr = ""
      child.stdout!.on("data", (chunk: Buffer) => {
        stdout += chunk.toString("utf8")
      })
      child.stderr!.on("data", (chunk: Buffer) => {
        stderr += chunk.toString("utf8")
      })
      const line = yield* run(
        () =>
          new Promise<string>((resolve, reject) => {
            createInterface({ input: child.stdout! }).once("line", resolve)
            child.once("exit", (code) => reject(new Error(`exited with ${code}`)))
          })
      )
      const url = /(http:\/\/127\.0\.0\.1:\d+)/.exec(line)?.[1]
      expect(url).toBeDefined()
      expect(line).toContain("(auth token required)")
      const db = createClient({ url: url!, authToken: token })
      expect((yield* run(() => db.execute("SELECT 7"))).rows[0]?.[0]).toBe(7)
      db.close()
      const config = yield* run(() => fetch(`${url}/_sim/config`).then((r) => r.json()))
      expect(config).toMatchObject({ rtt_ms: 3, connect_ms: 4 })
      const stats = yield* run(() => fetch(`${url}/_sim/stats`).then((r) => r.json()))
      expect(stats).toMatchObject({ requests: 1, auth_failures: 0 })
      const code = yield* run(
        () =>
          new Promise<number | null>((resolve) => {
            child.once("exit", resolve)
            child.kill("SIGTERM")
          })
      )
      expect(code).toBe(0)
      // the token was used (the request above was authorized) but never printed
      expect(stdout).toContain("libsql test server listening on")
      expect(`${stdout}\n${stderr}`).not.toContain(token)
    })
  )

  it.scopedLive("rejects a bad option with exit code 2", () =>
    Effect.gen(function* () {
      const child = spawn("node", ["--import", "tsx", "src/cli.ts", "--rtt-ms", "fast"], {
        cwd: packageDir,
        stdio: ["ignore", "ignore", "pipe"]
      })
      const code = yield* run(() => new Promise<number | null>((resolve) => child.once("exit", resolve)))
      expect(code).toBe(2)
    })
  )
})
