import { readFileSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "@effect/vitest"
import type { RunReport } from "../src/Report.js"
import { runCli as runCliRaw, spawnCli } from "./support/cli.js"
import { useStubs } from "./support/stubApi.js"
import { tempDir } from "./support/tempDir.js"
import { thresholdsFile } from "./support/thresholds.js"

const SAMPLES = "5"
const stub = useStubs(afterEach)

/**
 * Latency thresholds no machine misses, so these tests do not depend on how loaded the machine is; tests about
 * latency pass their own `--thresholds`.
 */
const generous = thresholdsFile()
/** Also no p50-slowdown trigger: for baseline comparisons about anything but this machine's load between runs. */
const calm = thresholdsFile({ rollback_p50_min_increase_ms: 60_000 })
const runCli = (args: ReadonlyArray<string>) =>
  runCliRaw(args.includes("--thresholds") ? args : [...args, "--thresholds", generous])
const row = (stdout: string, label: string) => stdout.split("\n").find((l) => l.includes(label)) ?? ""
const readReport = (dir: string): RunReport => JSON.parse(readFileSync(join(dir, "report.json"), "utf8"))

describe("validator run against a stub API", () => {
  it("passes (exit 0), sends the token as Bearer everywhere, never prints or writes it, and removes its data", async () => {
    const api = await stub()
    const dir = tempDir()
    const token = "s3cret-token-value"
    const result = await runCli(["run", "--url", api.url, "--token", token, "--samples", SAMPLES, "--report-dir", dir])
    expect(result.code).toBe(0)
    expect(result.stdout).toContain("memory-turso validator: PASS (exit 0)")
    // Each of the 5 seeded items read 10 times: 5 misses (the first reads), 45 hits.
    expect(row(result.stdout, "cache hit rate ")).toMatch(/^PASS\s+cache hit rate\s+0\.900\s+> 0\.800/)
    expect(result.stdout).toContain("(45 hits, 5 misses)")
    expect(row(result.stdout, "single read p50")).toMatch(
      /^PASS\s+single read p50\s.*5 of 5 first reads missed the cache/
    )
    // 5 seeded + 5 batches of 10, all removed again
    expect(result.stdout).toContain("55 episodes seeded, 55 removed")
    expect(api.stored()).toBe(0)
    const hits = api.hits()
    // 5 x 10 reads in the hit-rate phase, then 5 reads of one item
    expect(hits).toMatchObject({ "GET /episodes/:id": 50 + 5, "POST /episodes/batch": 6, "DELETE /episodes/:id": 55 })
    expect(hits["GET /health"]).toBe(1 + 5)
    expect(hits["GET /db-health"]).toBe(5)
    const auth = api.authorizations()
    expect(auth.length).toBe(Object.values(hits).reduce((a, b) => a + b, 0))
    expect(new Set(auth)).toEqual(new Set([`Bearer ${token}`]))
    expect(new Set(api.namespaces())).toEqual(new Set([undefined]))
    const files = ["report.json", "summary.md", "latency.svg"].map((f) => readFileSync(join(dir, f), "utf8"))
    for (const text of [result.stdout, result.stderr, ...files]) expect(text).not.toContain(token)
    const report = readReport(dir)
    expect(report).toMatchObject({ kind: "run", outcome: "pass", exit_code: 0, samples: 5, removed_episodes: 55 })
    expect(report.operations.single_read?.samples_ms).toHaveLength(5)
    expect(files[1]).toContain("| PASS | cache hit rate | 0.900 | > 0.800 |")
    expect(files[2]).toMatch(/^<svg /)
  })

  it("--namespace (or VALIDATOR_NAMESPACE) is sent as X-Memory-Namespace on every request and named in the report", async () => {
    const api = await stub()
    const dir = tempDir()
    const result = await runCli([
      "run",
      "--url",
      api.url,
      "--namespace",
      "team-a:ci",
      "--samples",
      SAMPLES,
      "--report-dir",
      dir
    ])
    expect(result.code).toBe(0)
    expect(api.namespaces().length).toBe(Object.values(api.hits()).reduce((a, b) => a + b, 0))
    expect(new Set(api.namespaces())).toEqual(new Set(["team-a:ci"]))
    expect(readReport(dir).namespace).toBe("team-a:ci")
    const other = await stub()
    const fromEnv = await spawnCli(["run", "--url", other.url, "--samples", SAMPLES, "--thresholds", generous], {
      VALIDATOR_NAMESPACE: "from-env"
    })
    expect(fromEnv.code).toBe(0)
    expect(new Set(other.namespaces())).toEqual(new Set(["from-env"]))
  })

  it("--samples sets every operation's sample count; --keep-data leaves the episodes in place", async () => {
    const api = await stub()
    const dir = tempDir()
    const result = await runCli(["run", "--url", api.url, "--samples", "7", "--keep-data", "--report-dir", dir])
    expect(result.code).toBe(0)
    const report = readReport(dir)
    for (const op of ["single_read", "cached_read", "batch_store", "health", "db_health"] as const)
      expect(report.operations[op]?.samples).toBe(7)
    expect(api.hits()["GET /episodes/:id"]).toBe(7 * 10 + 7)
    expect(api.hits()["DELETE /episodes/:id"]).toBeUndefined()
    expect(api.stored()).toBe(7 + 70)
    expect(result.stderr).toContain(`kept 77 seeded episodes (ids start with mtv-${report.run_id})`)
  })

  it("a cache that never hits (hit rate 0) fails the criterion and fires the hit-rate trigger: exit 2", async () => {
    const api = await stub({ cache: "broken" })
    const result = await runCli(["run", "--url", api.url, "--samples", SAMPLES])
    expect(result.code).toBe(2)
    expect(row(result.stdout, "cache hit rate  ")).toMatch(/^FAIL\s+cache hit rate\s+0\.000\s+> 0\.800/)
    expect(row(result.stdout, "cache hit rate floor")).toMatch(/^FIRED\s+cache hit rate floor\s+0\.000\s+< 0\.300/)
    expect(result.stdout).toContain("(0 hits, 50 misses)")
  })

  it("a write-through cache (the first reads hit too): hit rate 1.0, the single read criterion skipped, not passed", async () => {
    const api = await stub({ cache: "write-through" })
    const strict = join(tempDir(), "strict.json")
    writeFileSync(strict, JSON.stringify({ ...JSON.parse(readFileSync(generous, "utf8")), single_read_p50_ms_max: 0 }))
    const result = await runCli(["run", "--url", api.url, "--samples", SAMPLES, "--thresholds", strict])
    expect(result.code).toBe(0) // a p50 limit of 0 ms would fail a judged criterion
    expect(row(result.stdout, "cache hit rate ")).toMatch(/^PASS\s+cache hit rate\s+1\.000/)
    expect(row(result.stdout, "single read p50")).toMatch(
      /^SKIP\s+single read p50\s.*skipped \(not an uncached read: none of the 5 first reads missed the cache/
    )
    expect(row(result.stdout, "cache misses during first reads")).toMatch(
      /^INFO\s+cache misses during first reads\s+0\s/
    )
  })

  it("a cache hitting half the time fails only the criterion: exit 1", async () => {
    const api = await stub({ cache: "half" })
    const result = await runCli(["run", "--url", api.url, "--samples", "6"])
    expect(result.code).toBe(1)
    expect(row(result.stdout, "cache hit rate  ")).toMatch(/^FAIL\s+cache hit rate\s+0\.500/)
    expect(row(result.stdout, "cache hit rate floor")).toMatch(/^ok\s+/)
  })

  it("a disabled cache is skipped, not failed", async () => {
    const api = await stub({ cache: "disabled" })
    const result = await runCli(["run", "--url", api.url, "--samples", SAMPLES])
    expect(result.code).toBe(0)
    expect(row(result.stdout, "cache hit rate  ")).toMatch(/^SKIP\s+cache hit rate.*skipped \(feature disabled\)/)
  })

  it("/metrics with a missing or non-numeric field: exit 3 naming the field, before any data is written", async () => {
    const missing = await stub({ metrics: (b) => ({ ...b, cache: { ...b.cache, hit_rate: undefined } }) })
    const a = await runCli(["run", "--url", missing.url, "--samples", SAMPLES])
    expect(a.code).toBe(3)
    expect(a.stderr).toBe("error: the API answered garbage: GET /metrics: field cache.hit_rate is missing")
    expect(missing.hits()["POST /episodes/batch"]).toBeUndefined()

    const text = await stub({ metrics: (b) => ({ ...b, compression: { ...b.compression, ratio: "0.3" } }) })
    const b = await runCli(["run", "--url", text.url, "--samples", SAMPLES])
    expect(b.code).toBe(3)
    expect(b.stderr).toContain("field compression.ratio: expected a number")

    const notJson = await stub({ metrics: () => undefined })
    const c = await runCli(["run", "--url", notJson.url])
    expect(c.code).toBe(3)
    expect(c.stderr).toContain("GET /metrics: status 200 with a body that is not JSON")
  })

  it("a missing section is garbage (exit 3) unless --allow-missing-sections, which skips its criteria", async () => {
    const api = await stub({
      metrics: ({ keepalive: _k, pool: _p, connection_pool: _c, ...rest }) => rest
    })
    const strict = await runCli(["run", "--url", api.url, "--samples", SAMPLES])
    expect(strict.code).toBe(3)
    expect(strict.stderr).toContain("section pool is missing")
    const lenient = await runCli(["run", "--url", api.url, "--samples", SAMPLES, "--allow-missing-sections"])
    expect(lenient.code).toBe(0)
    expect(row(lenient.stdout, "connection stale rate")).toContain("skipped (section not published by /metrics)")
    expect(row(lenient.stdout, "pool timeouts")).toMatch(/^SKIP/)
  })

  it("RSS above 3 GiB fires without a baseline: exit 2", async () => {
    const api = await stub({ rssBytes: 4 * 1024 ** 3 })
    const result = await runCli(["run", "--url", api.url, "--samples", SAMPLES])
    expect(result.code).toBe(2)
    expect(row(result.stdout, "process RSS")).toMatch(/^FIRED\s+process RSS\s+4096\.0 MiB\s+> 3\.00 GiB/)
  })

  it("pool timeouts growing during the run fire: exit 2", async () => {
    const api = await stub({ poolTimeoutsGrow: true })
    const result = await runCli(["run", "--url", api.url, "--samples", SAMPLES])
    expect(result.code).toBe(2)
    expect(row(result.stdout, "pool timeouts")).toMatch(/^FIRED\s+pool timeouts \(growth\)\s+4\s+> 0/)
  })

  it("against a baseline: reads 2x slower fire the p50 trigger (exit 2); the noise-floor knob silences it", async () => {
    const dir = tempDir()
    const fast = await stub()
    expect((await runCli(["run", "--url", fast.url, "--samples", SAMPLES, "--report-dir", dir])).code).toBe(0)
    const baseline = join(dir, "report.json")
    const slow = await stub({ readDelayMs: 100 })
    const result = await runCli(["run", "--url", slow.url, "--samples", SAMPLES, "--baseline", baseline])
    expect(result.code).toBe(2)
    expect(row(result.stdout, "p50 slowdown: single read")).toMatch(/^FIRED/)
    expect(row(result.stdout, "p50 slowdown: cached read")).toMatch(/^FIRED/)
    expect(result.stdout).toContain(`baseline: ${baseline}`)

    const lenient = join(dir, "lenient.json")
    writeFileSync(
      lenient,
      JSON.stringify({ ...JSON.parse(readFileSync(generous, "utf8")), rollback_p50_min_increase_ms: 60_000 })
    )
    const calm = await runCli([
      "run",
      "--url",
      slow.url,
      "--samples",
      SAMPLES,
      "--baseline",
      baseline,
      "--thresholds",
      lenient
    ])
    expect(calm.code).toBe(0)
  })

  it("against a baseline: 5xx answers raise the error rate by more than 5 points: exit 2", async () => {
    const dir = tempDir()
    const ok = await stub()
    await runCli(["run", "--url", ok.url, "--samples", SAMPLES, "--report-dir", dir])
    const failing = await stub({ healthStatus: 503 })
    const args = ["run", "--url", failing.url, "--samples", SAMPLES, "--baseline", join(dir, "report.json")]
    // About 75 requests in the window: fewer than the default minimum of 100, so the trigger does not judge.
    const few = await runCli([...args, "--thresholds", calm])
    expect(few.code).toBe(1)
    expect(row(few.stdout, "error rate increase")).toMatch(
      /^SKIP\s+error rate increase.*skipped \(\d+ requests in the window, fewer than rollback_error_rate_min_requests 100\)/
    )
    const lower = join(dir, "min20.json")
    writeFileSync(
      lower,
      JSON.stringify({ ...JSON.parse(readFileSync(calm, "utf8")), rollback_error_rate_min_requests: 20 })
    )
    const result = await runCli([...args, "--thresholds", lower])
    expect(result.code).toBe(2)
    expect(row(result.stdout, "error rate increase")).toMatch(
      /^FIRED\s+error rate increase\s+\d+\.\d\d% \(baseline 0\.00%\)/
    )
    // 6 own 503s (5 of them inside the /metrics window, which grew by those same 5): counted once each.
    expect(row(result.stdout, "errors ")).toMatch(/^FAIL\s+errors\s+6\s/)
    expect(result.stdout).toContain("6 non-2xx of")
    expect(result.stdout).toContain(
      "plus 0 5xx of other clients (5xx in /metrics grew by 5, 5 of them the validator's)"
    )
    expect(result.stdout).toContain("GET /health -> 503")
  })

  it("a thresholds file changes the verdict; a bad one is a usage error (exit 4) naming the key", async () => {
    const api = await stub()
    const dir = tempDir()
    const strict = join(dir, "strict.json")
    writeFileSync(strict, JSON.stringify({ cached_read_p50_ms_max: 0 }))
    const result = await runCli(["run", "--url", api.url, "--samples", SAMPLES, "--thresholds", strict])
    expect(result.code).toBe(1)
    expect(row(result.stdout, "cached read p50")).toMatch(/^FAIL\s+cached read p50\s+p50 [\d.]+ ms\s+< 0\.000 ms/)
    const typo = join(dir, "typo.json")
    writeFileSync(typo, JSON.stringify({ cache_hitrate_min: 0.5 }))
    const bad = await runCli(["run", "--url", api.url, "--thresholds", typo])
    expect(bad.code).toBe(4)
    expect(bad.stderr).toContain("cache_hitrate_min")
    expect(api.hits()["GET /health"]).toBe(1 + 5) // the first run only
  })

  it("an API that does not answer in --timeout-ms is unreachable: exit 3", async () => {
    const api = await stub({ hang: true })
    const result = await runCli(["run", "--url", api.url, "--timeout-ms", "200"])
    expect(result.code).toBe(3)
    expect(result.stderr).toBe(`error: the API at ${api.url} is unreachable: GET /health got no answer within 200ms`)
  })

  it("a report that cannot be written after the verdict: a warning, and the verdict's exit code stands", async () => {
    const dir = join(tempDir(), "report")
    let metricsCalls = 0
    const api = await stub({
      rssBytes: 4 * 1024 ** 3, // fires the RSS trigger: exit 2
      metrics: (body) => {
        // The directory was checked before the run; now it becomes a regular file.
        if (++metricsCalls === 2) {
          rmSync(dir, { recursive: true, force: true })
          writeFileSync(dir, "not a directory")
        }
        return body
      }
    })
    const result = await runCli(["run", "--url", api.url, "--samples", SAMPLES, "--report-dir", dir])
    expect(result.code).toBe(2)
    expect(result.stdout).toContain("memory-turso validator: ROLLBACK (exit 2)")
    expect(result.stderr).toContain(`warning: the report was not written (cannot write the report directory ${dir} (`)
  })

  it("an API restart between two /metrics reads (uptime or a counter went down) is exit 3 naming it", async () => {
    let metricsCalls = 0
    const restarted = await stub({
      metrics: (body) => {
        if (++metricsCalls >= 3) body.process.uptime_s = 1
        return body
      }
    })
    const a = await runCli(["run", "--url", restarted.url, "--samples", SAMPLES])
    expect(a.code).toBe(3)
    expect(a.stderr).toContain(
      "error: the API answered garbage: GET /metrics: the API restarted during the window (process.uptime_s went from 12 to 1)"
    )
    expect(restarted.stored()).toBe(0) // the seeded data was still removed
    let calls = 0
    const reset = await stub({
      metrics: (body) => {
        if (++calls >= 4) body.requests = {}
        return body
      }
    })
    const b = await runCli(["run", "--url", reset.url, "--samples", SAMPLES])
    expect(b.code).toBe(3)
    expect(b.stderr).toMatch(
      /the API restarted during the window \(requests\["[A-Z]+ \/[^"]*"\]\.count went from \d+ to absent\)/
    )
  })

  it("a baseline must be a passing run with positive p50s (or --accept-failed-baseline); its run id is reported", async () => {
    const dir = tempDir()
    const api = await stub()
    const run = (extra: ReadonlyArray<string>) =>
      runCli(["run", "--url", api.url, "--samples", SAMPLES, "--thresholds", calm, ...extra])
    expect((await run(["--report-dir", dir])).code).toBe(0)
    const passing: RunReport = readReport(dir)
    const failed = join(dir, "failed.json")
    writeFileSync(failed, JSON.stringify({ ...passing, outcome: "fail", exit_code: 1 }))
    const refused = await run(["--baseline", failed])
    expect(refused.code).toBe(4)
    expect(refused.stderr).toBe(
      `error: usage error: the baseline file ${failed} is a run whose outcome was "fail" (run ${passing.run_id}); use a passing run, or --accept-failed-baseline`
    )
    const accepted = await run(["--baseline", failed, "--accept-failed-baseline", "--format", "json"])
    expect(accepted.code).toBe(0)
    expect(JSON.parse(accepted.stdout)).toMatchObject({ baseline: failed, baseline_run_id: passing.run_id })
    const zero = join(dir, "zero.json")
    const operations = { ...passing.operations, cached_read: { ...passing.operations.cached_read!, p50_ms: 0 } }
    writeFileSync(zero, JSON.stringify({ ...passing, operations }))
    const noP50 = await run(["--baseline", zero])
    expect(noP50.code).toBe(4)
    expect(noP50.stderr).toContain(
      `the baseline file ${zero} has p50_ms 0 for cached_read; a baseline needs a positive p50 for every operation`
    )
    const table = await run(["--baseline", join(dir, "report.json")])
    expect(table.stdout).toContain(`baseline: ${join(dir, "report.json")} (run ${passing.run_id})`)
  })

  it("--format json prints the report; --format markdown the summary", async () => {
    const api = await stub()
    const json = await runCli(["run", "--url", api.url, "--samples", SAMPLES, "--format", "json"])
    expect(JSON.parse(json.stdout)).toMatchObject({ kind: "run", exit_code: 0 })
    const md = await runCli(["run", "--url", api.url, "--samples", SAMPLES, "--format", "markdown"])
    expect(md.stdout).toMatch(/^## memory-turso validator: PASS \(exit 0\)/)
    expect(md.stdout).toContain("### Latency (ms)")
  })
})
