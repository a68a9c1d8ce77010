import { readFileSync } from "node:fs"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "@effect/vitest"
import type { WatchReport } from "../src/Watch.js"
import { runCli } from "./support/cli.js"
import { useStubs } from "./support/stubApi.js"
import { tempDir } from "./support/tempDir.js"

const stub = useStubs(afterEach)

// 24 h x 0.00001 = 0.864 s for the whole staging schedule.
const SCALE = "0.00001"

describe("validator watch", () => {
  it("takes the 19 staging samples (health, 5 reads, /metrics each), then removes its data: exit 0", async () => {
    const api = await stub()
    const dir = tempDir()
    const result = await runCli([
      "watch",
      "--url",
      api.url,
      "--schedule",
      "staging",
      "--scale",
      SCALE,
      "--report-dir",
      dir
    ])
    expect(result.code).toBe(0)
    const lines = result.stdout.split("\n").filter((l) => l.startsWith("sample "))
    expect(lines).toHaveLength(19)
    expect(lines[0]).toMatch(/^sample 1\/19 at \+0:00:00: health p50 .* triggers ok$/)
    expect(lines[18]).toMatch(/^sample 19\/19 at \+0:00:00\.864: /)
    expect(api.hits()).toMatchObject({
      "GET /health": 1 + 19 * 5,
      "GET /episodes/:id": 5 + 19 * 5,
      "GET /metrics": 1 + 19,
      "POST /episodes/batch": 1,
      "DELETE /episodes/:id": 5
    })
    expect(api.stored()).toBe(0)
    const report: WatchReport = JSON.parse(readFileSync(join(dir, "watch-report.json"), "utf8"))
    expect(report).toMatchObject({ kind: "watch", outcome: "pass", exit_code: 0, planned_samples: 19 })
    expect(report.samples.map((s) => s.offset).slice(0, 3)).toEqual(["+0:00:00", "+0:00:00.009", "+0:00:00.018"])
    expect(readFileSync(join(dir, "watch-summary.md"), "utf8")).toContain("| 19 | +0:00:00.864 |")
  })

  it("stops at the first sample where a trigger fires (RSS above 3 GiB from the 2nd sample): exit 2", async () => {
    let metricsCalls = 0
    const api = await stub({
      metrics: (body) => {
        // call 1: before seeding; call 2: sample 1; call 3: sample 2
        if (++metricsCalls >= 3) body.process.rss_bytes = 3.5 * 1024 ** 3
        return body
      }
    })
    const result = await runCli(["watch", "--url", api.url, "--scale", SCALE, "--format", "json"])
    expect(result.code).toBe(2)
    const report: WatchReport = JSON.parse(result.stdout)
    expect(report.samples).toHaveLength(2)
    expect(report.outcome).toBe("rollback")
    expect(report.samples[1]!.triggers.find((t) => t.id === "rss")).toMatchObject({
      status: "fail",
      measured: "3584.0 MiB"
    })
    expect(result.stderr).toContain("sample 2/19 at +0:00:00.009: ")
    expect(result.stderr).toContain("FIRED: process RSS 3584.0 MiB (> 3.00 GiB)")
    expect(api.stored()).toBe(0)
  })

  it("judges the process-wide hit rate at each sample, and rejects a bad --scale (exit 4)", async () => {
    const api = await stub({ cache: "broken" })
    const result = await runCli(["watch", "--url", api.url, "--scale", SCALE])
    expect(result.code).toBe(2)
    expect(result.stdout).toContain("sample 1/19 at +0:00:00: ")
    expect(result.stdout).toContain("FIRED: cache hit rate floor 0.000 (< 0.300)")
    const bad = await runCli(["watch", "--url", api.url, "--scale", "0"])
    expect(bad.code).toBe(4)
    expect(bad.stderr).toBe("error: usage error: --scale must be a positive number (got 0)")
  })
})
