import { spawn } from "node:child_process"
import { readFileSync } from "node:fs"
import { createServer } from "node:net"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { validatorDir } from "./support/apiProcess.js"
import { FROM_SOURCES, spawnCli } from "./support/cli.js"
import { startStubApi } from "./support/stubApi.js"
import { thresholdsFile } from "./support/thresholds.js"

/** A port nothing listens on. */
const closedPort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })

const noStack = (text: string) => expect(text).not.toMatch(/^\s+at /m)

const generous = thresholdsFile()

// The real binary (node --import tsx src/main.ts): exit codes and output as CI sees them.
describe.concurrent("the validator binary", { timeout: 60_000 }, () => {
  it("an unreachable URL: exit 3 with one clear line, no stack trace", async () => {
    const port = await closedPort()
    const result = await spawnCli(["run", "--url", `http://127.0.0.1:${port}`])
    expect(result.code).toBe(3)
    expect(result.stderr.trim()).toBe(
      `error: the API at http://127.0.0.1:${port} is unreachable: GET /health: connect ECONNREFUSED 127.0.0.1:${port}`
    )
    expect(result.stdout).toBe("")
  })

  it("bad arguments: usage error, exit 4, no stack trace", async () => {
    const r = await spawnCli(["run", "--url", "http://127.0.0.1:1", "--samples", "many"])
    expect(r.code).toBe(4)
    noStack(r.stderr)
    expect(r.stderr).toContain("usage error (exit 4); see: validator --help")
  })

  it("passes against a stub with the token from VALIDATOR_TOKEN (exit 0)", async () => {
    const api = await startStubApi()
    try {
      const result = await spawnCli(["run", "--url", api.url, "--samples", "5", "--thresholds", generous], {
        VALIDATOR_TOKEN: "env-token-123"
      })
      expect(result.code).toBe(0)
      expect(result.stdout).toContain("memory-turso validator: PASS (exit 0)")
      expect(new Set(api.authorizations())).toEqual(new Set(["Bearer env-token-123"]))
      expect(result.stdout + result.stderr).not.toContain("env-token-123")
    } finally {
      await api.close()
    }
  })

  it("SIGINT while a seed batch is in flight (stored, not yet answered) removes the seeded data and exits 130", async () => {
    // The stub stores the batch at once and holds its answer back: the validator is interrupted mid-request.
    const api = await startStubApi({ batchDelayMs: 600_000 })
    try {
      const child = spawn(process.execPath, [...FROM_SOURCES, "run", "--url", api.url], {
        cwd: validatorDir,
        stdio: ["ignore", "pipe", "pipe"]
      })
      const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)))
      while (api.stored() === 0) await new Promise((r) => setTimeout(r, 20))
      expect(api.hits()["POST /episodes/batch"]).toBe(1)
      child.kill("SIGINT")
      expect(await exited).toBe(130)
      expect(api.stored()).toBe(0)
      expect(api.hits()["DELETE /episodes/:id"]).toBe(50)
    } finally {
      await api.close()
    }
  })
})

// The bin as installed: package.json's bin, built, run with plain node (no tsx, no source condition).
describe("the built bin", { timeout: 60_000 }, () => {
  const { bin, version } = JSON.parse(readFileSync(join(validatorDir, "package.json"), "utf8")) as {
    bin: Record<string, string>
    version: string
  }
  const built = join(validatorDir, bin["memory-turso-validate"]!)

  it("memory-turso-validate is dist/main.js with a node shebang: --help exits 0, --version is the package's, an unreachable API exits 3", async () => {
    expect(readFileSync(built, "utf8").split("\n")[0]).toBe("#!/usr/bin/env node")
    const help = await spawnCli(["run", "--help"], {}, [built])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain("--allow-missing-sections")
    const shown = await spawnCli(["--version"], {}, [built])
    expect(shown.stdout.trim()).toBe(version)
    const port = await closedPort()
    const down = await spawnCli(["run", "--url", `http://127.0.0.1:${port}`], {}, [built])
    expect(down.code).toBe(3)
    expect(down.stderr.trim()).toBe(
      `error: the API at http://127.0.0.1:${port} is unreachable: GET /health: connect ECONNREFUSED 127.0.0.1:${port}`
    )
  })
})
