import { readFileSync, writeFileSync } from "node:fs"
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
      "GET /metrics": 2 + 19,
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
        // call 1: before seeding; call 2: after the first reads; call 3: sample 1; call 4: sample 2
        if (++metricsCalls >= 4) body.process.rss_bytes = 3.5 * 1024 ** 3
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

  it("judges the hit rate since the previous sample (not the process-wide one), and rejects a bad --scale (exit 4)", async () => {
    const broken = await stub({ cache: "broken" })
    const result = await runCli(["watch", "--url", broken.url, "--scale", SCALE])
    expect(result.code).toBe(2)
    expect(result.stdout).toContain("sample 1/19 at +0:00:00: ")
    expect(result.stdout).toContain("FIRED: cache hit rate floor 0.000 (< 0.300)")
    // A process-wide hit rate of 0.1 (old traffic) while every read of the window hits: the delta (1.0) is judged.
    const lowProcessWide = await stub({ metrics: (b) => ({ ...b, cache: { ...b.cache, hit_rate: 0.1 } }) })
    const delta = await runCli(["watch", "--url", lowProcessWide.url, "--scale", SCALE, "--format", "json"])
    expect(delta.code).toBe(0)
    const report: WatchReport = JSON.parse(delta.stdout)
    expect(report.samples.map((s) => [s.hit_rate, s.process_hit_rate])[0]).toEqual([1, 0.1])
    // Counters that never move: no lookups in the window, the floor is skipped (not judged on the process-wide 0).
    const still = await stub({
      metrics: (b) => ({ ...b, cache: { ...b.cache, hit_rate: 0, episode_hits: 0, episode_misses: 0 } })
    })
    const skipped = await runCli(["watch", "--url", still.url, "--scale", SCALE, "--format", "json"])
    expect(skipped.code).toBe(0)
    const floor = (JSON.parse(skipped.stdout) as WatchReport).samples[0]!.triggers.find(
      (t) => t.id === "cache_hit_rate_floor"
    )
    expect(floor).toMatchObject({
      status: "skipped",
      note: "skipped (episode_hits/episode_misses did not move since the previous sample)"
    })
    const bad = await runCli(["watch", "--url", broken.url, "--scale", "0"])
    expect(bad.code).toBe(4)
    expect(bad.stderr).toBe("error: usage error: --scale must be a positive number (got 0)")
  })

  it("one 5xx in a sample's ~11 requests does not fire the error-rate trigger until its window holds 100 requests", async () => {
    const dir = tempDir()
    const good = await stub()
    expect((await runCli(["run", "--url", good.url, "--samples", "5", "--report-dir", dir])).code).toBe(0)
    const baseline = join(dir, "report.json")
    const calm = join(dir, "calm.json") // no p50 slowdown on a loaded machine: this test is about the error rate
    writeFileSync(calm, JSON.stringify({ rollback_p50_min_increase_ms: 60_000 }))
    const eager = join(dir, "eager.json")
    writeFileSync(eager, JSON.stringify({ rollback_p50_min_increase_ms: 60_000, rollback_error_rate_min_requests: 0 }))
    // The 8th GET /health (the 2nd of sample 2) answers 503.
    const options = { healthStatus: (call: number) => (call === 8 ? 503 : 200) }
    const watch = (url: string, thresholds: string) =>
      runCli([
        "watch",
        "--url",
        url,
        "--scale",
        SCALE,
        "--baseline",
        baseline,
        "--thresholds",
        thresholds,
        "--format",
        "json"
      ])
    const windowed = await watch((await stub(options)).url, calm)
    expect(windowed.code).toBe(0)
    const samples = (JSON.parse(windowed.stdout) as WatchReport).samples
    const errorRate = (i: number) => samples[i]!.triggers.find((t) => t.id === "error_rate")!
    expect(errorRate(1)).toMatchObject({ status: "skipped" })
    expect(errorRate(1).note).toMatch(
      /^skipped \(\d+ requests in the window, fewer than rollback_error_rate_min_requests 100\)$/
    )
    expect(samples[18]!.error_rate_requests).toBeGreaterThanOrEqual(100)
    expect(errorRate(18).status).toBe("pass")
    const single = await watch((await stub(options)).url, eager)
    expect(single.code).toBe(2)
    const fired = JSON.parse(single.stdout) as WatchReport
    expect(fired.samples).toHaveLength(2)
    expect(fired.samples[1]!.triggers.find((t) => t.id === "error_rate")?.status).toBe("fail")
  })

  it("a sample that fails is retried; one that fails every attempt ends the watch: exit 3, report of the samples so far", async () => {
    // Every request hangs once /metrics has answered 4 times (start, after the first reads, samples 1 and 2): sample 3
    // never completes.
    let metricsServed = 0
    const api = await stub({
      metrics: (body) => {
        metricsServed++
        return body
      },
      hangWhen: () => metricsServed >= 4
    })
    const dir = tempDir()
    const args = ["watch", "--url", api.url, "--scale", SCALE, "--timeout-ms", "300", "--report-dir", dir]
    const result = await runCli(args)
    expect(result.code).toBe(3)
    for (let n = 1; n <= 3; n++)
      expect(result.stderr).toContain(
        `warning: sample 3 attempt ${n} of 4 failed (the API at ${api.url} is unreachable: GET /health got no answer within 300ms); retrying in`
      )
    expect(result.stderr).toContain(
      `error: the API at ${api.url} is unreachable: GET /health got no answer within 300ms`
    )
    expect(api.hits()["GET /health"]).toBe(1 + 2 * 5 + 4) // one hanging request per attempt
    const report: WatchReport = JSON.parse(readFileSync(join(dir, "watch-report.json"), "utf8"))
    expect(report).toMatchObject({ outcome: "error", exit_code: 3, planned_samples: 19 })
    expect(report.samples).toHaveLength(2)
    expect(report.error).toBe(`the API at ${api.url} is unreachable: GET /health got no answer within 300ms`)
    expect(readFileSync(join(dir, "watch-summary.md"), "utf8")).toContain("## memory-turso validator: ERROR (exit 3)")

    // Only the 4th /metrics request (sample 2's) hangs: its retry succeeds and the watch passes.
    let metricsRequests = 0
    const flaky = await stub({ hangWhen: (route) => route === "GET /metrics" && ++metricsRequests === 4 })
    const recovered = await runCli([
      "watch",
      "--url",
      flaky.url,
      "--scale",
      SCALE,
      "--timeout-ms",
      "300",
      "--format",
      "json"
    ])
    expect(recovered.code).toBe(0)
    const samples = (JSON.parse(recovered.stdout) as WatchReport).samples
    expect(samples.map((s) => s.attempts)).toEqual([1, 2, ...Array.from({ length: 17 }, () => 1)])
  })

  it("an API restart between two samples ends the watch: exit 3 with a report", async () => {
    let metricsCalls = 0
    const api = await stub({
      metrics: (body) => {
        if (++metricsCalls >= 5) body.process.uptime_s = 1
        return body
      }
    })
    const result = await runCli(["watch", "--url", api.url, "--scale", SCALE, "--format", "json"])
    expect(result.code).toBe(3)
    const report: WatchReport = JSON.parse(result.stdout)
    expect(report.samples).toHaveLength(2)
    expect(report.error).toContain("the API restarted during the window (process.uptime_s went from 12 to 1)")
    expect(api.stored()).toBe(0)
  })
})
