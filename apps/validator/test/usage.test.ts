import { describe, expect, it } from "@effect/vitest"
import { runCli } from "./support/cli.js"
import { tempDir } from "./support/tempDir.js"

describe("command line", () => {
  it("bad arguments are usage errors (exit 4) with a clear message and no stack trace", async () => {
    const cases = {
      notANumber: await runCli(["run", "--url", "http://127.0.0.1:1", "--samples", "many"]),
      tooFew: await runCli(["run", "--url", "http://127.0.0.1:1", "--samples", "4"]),
      missingUrl: await runCli(["run"]),
      unknown: await runCli(["frobnicate"]),
      notAUrl: await runCli(["run", "--url", "localhost 3000"]),
      ftp: await runCli(["run", "--url", "ftp://127.0.0.1/"]),
      credentials: await runCli(["run", "--url", "http://user:pw@127.0.0.1:1"]),
      noBaseline: await runCli(["run", "--url", "http://127.0.0.1:1", "--baseline", "/nonexistent/report.json"]),
      badTimeout: await runCli(["run", "--url", "http://127.0.0.1:1", "--timeout-ms", "0"]),
      badSchedule: await runCli(["watch", "--url", "http://127.0.0.1:1", "--schedule", "hourly"]),
      badNamespace: await runCli(["run", "--url", "http://127.0.0.1:1", "--namespace", "team a"])
    }
    for (const [name, r] of Object.entries(cases)) {
      expect(r.code, name).toBe(4)
      expect(r.stderr, name).not.toMatch(/^\s+at /m)
      expect(r.stderr, name).toContain("usage error")
    }
    expect(cases.missingUrl.stderr).toContain("Expected to find option: '--url'")
    expect(cases.tooFew.stderr).toContain("--samples must be at least 5 (got 4)")
    expect(cases.notAUrl.stderr).toContain('--url "localhost 3000" is not a URL')
    expect(cases.ftp.stderr).toContain("--url must be http:// or https:// (got ftp:)")
    expect(cases.credentials.stderr).toContain("--url must not carry credentials; pass the token with --token")
    expect(cases.credentials.stderr).not.toContain("pw")
    expect(cases.badTimeout.stderr).toContain("--timeout-ms must be positive")
    expect(cases.badNamespace.stderr).toContain("--namespace must be 1-128 characters from [A-Za-z0-9._:-]")
  })

  it("--help exits 0 and documents every option", async () => {
    const help = await runCli(["run", "--help"])
    expect(help.code).toBe(0)
    for (const option of [
      "--url",
      "--token",
      "--namespace",
      "--samples",
      "--report-dir",
      "--baseline",
      "--thresholds",
      "--keep-data",
      "--allow-missing-sections",
      "--format",
      "--timeout-ms"
    ])
      expect(help.stdout).toContain(option)
    const watch = await runCli(["watch", "--help"])
    expect(watch.stdout).toContain("--schedule")
    expect(watch.stdout).toContain("--scale")
  })

  it("a baseline that is not a run report is a usage error naming the file", async () => {
    const { writeFileSync } = await import("node:fs")
    const { join } = await import("node:path")
    const file = join(tempDir(), "watch.json")
    writeFileSync(file, JSON.stringify({ kind: "watch", samples: [] }))
    const r = await runCli(["run", "--url", "http://127.0.0.1:1", "--baseline", file])
    expect(r.code).toBe(4)
    expect(r.stderr).toContain(`the baseline file ${file} is not a report of \`validator run\``)
  })
})

describe("file options are checked by the validator: every access problem is a usage error (exit 4)", () => {
  it("--thresholds, --baseline and --report-dir under a regular file (ENOTDIR), before any request", async () => {
    const { writeFileSync } = await import("node:fs")
    const { join } = await import("node:path")
    const { startStubApi } = await import("./support/stubApi.js")
    const api = await startStubApi()
    try {
      const file = join(tempDir(), "plain-file")
      writeFileSync(file, "{}")
      const under = join(file, "x")
      const cases = {
        thresholds: await runCli(["run", "--url", api.url, "--thresholds", under]),
        baseline: await runCli(["run", "--url", api.url, "--baseline", under]),
        reportDir: await runCli(["run", "--url", api.url, "--report-dir", under]),
        watchReportDir: await runCli(["watch", "--url", api.url, "--report-dir", under])
      }
      for (const [name, r] of Object.entries(cases)) {
        expect(r.code, name).toBe(4)
        expect(r.stderr, name).not.toContain("failed unexpectedly")
      }
      expect(cases.thresholds.stderr).toBe(`error: usage error: cannot read the thresholds file ${under}`)
      expect(cases.baseline.stderr).toBe(`error: usage error: cannot read the baseline file ${under}`)
      expect(cases.reportDir.stderr).toContain(`error: usage error: cannot write the report directory ${under} (`)
      expect(cases.reportDir.stderr).toContain("ENOTDIR")
      expect(api.hits()).toEqual({}) // nothing was sent
    } finally {
      await api.close()
    }
  })
})
