import { spawn } from "node:child_process"
import { createHash } from "node:crypto"
import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { startTestServer } from "@memory-turso/testkit"
import type { RunReport } from "../src/Report.js"
import { startApi, validatorDir } from "./support/apiProcess.js"
import { runCli } from "./support/cli.js"
import { tempDir } from "./support/tempDir.js"
import { thresholdsFile } from "./support/thresholds.js"

interface CiRun {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs scripts/ci.sh; `onStderr` sees stderr as it grows and may signal the script (only bash, not its group). */
const runCi = (
  args: ReadonlyArray<string>,
  env: Record<string, string>,
  onStderr: (stderr: string, signal: (name: NodeJS.Signals) => void) => void = () => {}
) =>
  new Promise<CiRun>((resolve) => {
    const child = spawn("bash", ["scripts/ci.sh", ...args], {
      cwd: validatorDir,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d) => (stdout += d))
    child.stderr.on("data", (d) => {
      stderr += d
      onStderr(stderr, (name) => child.kill(name))
    })
    child.once("exit", (code) => resolve({ code, stdout, stderr }))
  })

/** The pids ci.sh reports for the test server and the API. */
const startedPids = (stderr: string) =>
  [...stderr.matchAll(/ci\.sh: started the (?:libSQL test server|API) \(pid (\d+)\)/g)].map((m) => Number(m[1]))

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Polls (a process may take a moment to go) and returns the pids still running after ~10 s; kills those. */
const leftRunning = async (pids: ReadonlyArray<number>) => {
  for (let i = 0; i < 100 && pids.some(alive); i++) await new Promise((r) => setTimeout(r, 100))
  const left = pids.filter(alive)
  for (const pid of left) process.kill(pid, "SIGKILL")
  return left
}

// The real API (apps/api) as a child process: its embedded default, and over a slow remote database.
describe.concurrent("against the real API", { timeout: 90_000 }, () => {
  it("scripts/ci.sh starts the API on the embedded default, runs the validator, stops it: exit 0", async () => {
    const dir = tempDir()
    // Generous latency limits: this test is about the pipeline, not how loaded this 2-core machine is.
    const thresholds = thresholdsFile()
    const reportDir = join(dir, "report")
    const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn("bash", ["scripts/ci.sh", "--samples", "10", "--thresholds", thresholds], {
        cwd: validatorDir,
        env: { ...process.env, VALIDATOR_REPORT_DIR: reportDir },
        stdio: ["ignore", "pipe", "pipe"]
      })
      let stdout = ""
      let stderr = ""
      child.stdout.on("data", (d) => (stdout += d))
      child.stderr.on("data", (d) => (stderr += d))
      child.once("exit", (code) => resolve({ code, stdout, stderr }))
    })
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toMatch(/^## memory-turso validator: PASS \(exit 0\)/)
    expect(result.stderr).toMatch(/ci\.sh: API listening at http:\/\/127\.0\.0\.1:\d+/)
    expect(result.stderr).toContain("ci.sh: validator exit code 0")
    expect(result.stderr).not.toContain("the API exited with") // SIGTERM stopped it with exit 0
    const report: RunReport = JSON.parse(readFileSync(join(reportDir, "report.json"), "utf8"))
    expect(report.outcome).toBe("pass")
    expect(report.removed_episodes).toBe(report.seeded_episodes)
    expect(report.criteria.filter((c) => c.status === "fail")).toEqual([])
    // Measured criteria are judged; those of features the embedded default does not run are skipped.
    for (const id of ["cached_read_p50", "batch_store_p50", "errors"])
      expect(report.criteria.find((c) => c.id === id)?.status, id).toBe("pass")
    // The single read is judged when the first reads really missed the cache, else skipped as not uncached.
    const single = report.criteria.find((c) => c.id === "single_read_p50")!
    const misses = report.criteria.find((c) => c.id === "single_read_misses")?.value
    if (misses === 0) expect(single.note).toMatch(/^skipped \(not an uncached read/)
    else expect(single.status).toBe("pass")
    for (const c of report.criteria.filter((c) => c.status === "skipped" && c.id !== "single_read_p50"))
      expect(c.note).toMatch(/^skipped \((feature disabled|section not published by \/metrics)\)$/)
    expect(report.criteria.find((c) => c.id === "stale_rate")?.status).toBe("skipped") // no keep-alive on file:
    expect(readFileSync(join(reportDir, "summary.md"), "utf8")).toBe(`${result.stdout.trimEnd()}\n`)
  })

  it("an API made slow (remote database with 50 ms round trips, no cache) fails the single read p50: exit 1", async () => {
    const server = await startTestServer({ network: { rtt_ms: 50 } })
    const api = await startApi({ TURSO_DB_URL: server.url, ENABLE_CACHE: "false" })
    try {
      const result = await runCli([
        "run",
        "--url",
        api.url,
        "--samples",
        "5",
        "--allow-missing-sections",
        "--format",
        "json"
      ])
      expect(result.code).toBe(1)
      const report: RunReport = JSON.parse(result.stdout)
      const single = report.criteria.find((c) => c.id === "single_read_p50")!
      expect(single.status).toBe("fail")
      expect(single.value).toBeGreaterThanOrEqual(50) // at least one round trip per read
      expect(report.criteria.find((c) => c.id === "cache_hit_rate")?.status).toBe("skipped")
      expect(report.triggers.filter((t) => t.status === "fail")).toEqual([])
      expect(report.removed_episodes).toBe(55)
    } finally {
      expect(await api.stop()).toBe(0)
      await server.destroy()
    }
  })

  it("an API with authentication: the validator's token and --namespace keep its data in that namespace", async () => {
    const dir = tempDir()
    const secret = "validator-ci-secret-0123456789"
    const tokens = join(dir, "tokens.toml")
    writeFileSync(
      tokens,
      `[[tokens]]\nname = "ci"\nsha256 = "${createHash("sha256").update(secret).digest("hex")}"\nscopes = ["read", "write", "metrics"]\nnamespaces = ["ci-*"]\n`
    )
    const api = await startApi({ AUTH_TOKENS_FILE: tokens })
    try {
      const args = ["run", "--url", api.url, "--samples", "5", "--thresholds", thresholdsFile(), "--format", "json"]
      // Without a namespace this token (patterns only) has no default: every data request is refused.
      expect((await runCli([...args, "--token", secret])).code).not.toBe(0)
      const result = await runCli([...args, "--token", secret, "--namespace", "ci-run-1", "--keep-data"])
      expect(result.code, result.stderr).toBe(0)
      const report: RunReport = JSON.parse(result.stdout)
      expect(report.namespace).toBe("ci-run-1")
      const counts = async (namespace: string) => {
        const response = await fetch(`${api.url}/db-health`, {
          headers: { authorization: `Bearer ${secret}`, "x-memory-namespace": namespace }
        })
        return ((await response.json()) as { counts: { episodes: number } }).counts.episodes
      }
      expect(await counts("ci-run-1")).toBe(report.seeded_episodes)
      expect(await counts("ci-run-2")).toBe(0)
      expect(api.output()).not.toContain(secret)
    } finally {
      expect(await api.stop()).toBe(0)
    }
  })

  it("scripts/ci.sh stops the libSQL test server of the remote profile on every exit path", async () => {
    const dir = tempDir()
    const thresholds = thresholdsFile()
    const remote = { REMOTE_RTT_MS: "1", REMOTE_CONNECT_MS: "1", VALIDATOR_REPORT_DIR: join(dir, "report") }
    // 1. A whole run: the validator's verdict, then both servers stopped.
    const done = await runCi(["--samples", "5", "--thresholds", thresholds], remote)
    expect([0, 1, 2], done.stderr).toContain(done.code)
    expect(done.stderr).toContain("ci.sh: libSQL test server at http://")
    expect(startedPids(done.stderr)).toHaveLength(2)
    expect(await leftRunning(startedPids(done.stderr))).toEqual([])
    // 2. A start-up failure (no time to wait for the listening line): exit 3.
    const early = await runCi([], { ...remote, API_START_TIMEOUT_S: "0" })
    expect(early.code).toBe(3)
    expect(early.stderr).toContain("ci.sh: the test server did not print its listening line within 0s")
    expect(startedPids(early.stderr)).toHaveLength(1)
    expect(await leftRunning(startedPids(early.stderr))).toEqual([])
    // 3. SIGTERM to the script (not to its process group) while it waits for the servers: exit 130.
    let sent = false
    const stopped = await runCi([], remote, (stderr, signal) => {
      if (!sent && startedPids(stderr).length >= 1) {
        sent = true
        signal("SIGTERM")
      }
    })
    expect(stopped.code).toBe(130)
    expect(startedPids(stopped.stderr).length).toBeGreaterThanOrEqual(1)
    expect(await leftRunning(startedPids(stopped.stderr))).toEqual([])
  })
})
