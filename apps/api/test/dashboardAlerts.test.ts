import { execFile } from "node:child_process"
import { readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { parse as parseYaml } from "yaml"
import { type Harness, makeHarness } from "./support/harness.js"
import { type Family, parse } from "./support/prometheus.js"

const DEPLOY = join(import.meta.dirname, "../../../deploy")
const ALERTS = join(DEPLOY, "prometheus/alerts.yml")
const DASHBOARD = join(DEPLOY, "grafana/memory-turso.json")

const run = promisify(execFile)
/** promtool, when installed (Debian's prometheus package): not needed by CI, used when there. */
const promtool = await run("promtool", ["--version"]).then(
  () => true,
  () => false
)

/** The metric names an expression reads (ours all start memory_turso_, process_ or nodejs_). */
const metricsIn = (expr: string) => [...new Set(expr.match(/\b(?:memory_turso|process|nodejs)_[a-z0-9_]+/g) ?? [])]

/** A name as exposed (histogram samples end in _bucket, _sum, _count) to its family. */
const familyOf = (name: string, families: ReadonlyMap<string, Family>) =>
  families.has(name) ? name : name.replace(/_(bucket|sum|count)$/, "")

interface Rule {
  readonly alert: string
  readonly expr: string
  readonly for?: string
  readonly labels: Record<string, string>
  readonly annotations: Record<string, string>
}

let h: Harness
let text: string
let families: ReadonlyMap<string, Family>
beforeAll(async () => {
  h = await makeHarness({ env: { ENABLE_CACHE: "true" } })
  await h.request("POST", "/episodes", { episode_id: "a", task_description: "x" })
  await h.request("GET", "/episodes/a")
  text = (await h.request("GET", "/metrics/prometheus")).text
  families = parse(text)
})
afterAll(() => h.dispose())

describe("deploy/prometheus/alerts.yml", () => {
  const groups = (parseYaml(readFileSync(ALERTS, "utf8")) as { groups: Array<{ name: string; rules: Array<Rule> }> })
    .groups
  const rules = groups.flatMap((g) => g.rules)

  it("holds the plan's rollback triggers, each a documented critical alert", () => {
    const rollback = groups.find((g) => g.name === "memory-turso-rollback")!.rules
    expect(rollback.map((r) => r.labels["trigger"]).sort()).toEqual(
      ["cache_hit_rate_floor", "error_rate", "p50_slowdown", "pool_timeouts", "rss"].sort()
    )
    for (const rule of rules) {
      expect(rule.alert).toMatch(/^MemoryTurso[A-Za-z]+$/)
      expect(["critical", "warning"]).toContain(rule.labels["severity"])
      expect(rule.annotations["summary"]?.length).toBeGreaterThan(10)
    }
    expect(new Set(rules.map((r) => r.alert)).size).toBe(rules.length)
  })

  it("uses the validator's default thresholds (apps/validator/src/Thresholds.ts)", () => {
    const expr = (trigger: string) => rollback(trigger).expr.replace(/\s+/g, " ")
    const rollback = (trigger: string) => rules.find((r) => r.labels["trigger"] === trigger)!
    expect(expr("error_rate")).toContain("> 0.05") // rollback_error_rate_points 5
    expect(expr("error_rate")).toContain(">= 100") // rollback_error_rate_min_requests
    expect(expr("p50_slowdown")).toContain("> 2 *") // rollback_p50_factor
    expect(expr("p50_slowdown")).toContain("> 0.001") // rollback_p50_min_increase_ms 1
    expect(expr("rss")).toContain(`> ${3 * 1024 ** 3}`) // rollback_rss_bytes_max
    expect(expr("cache_hit_rate_floor")).toContain("< 0.3") // rollback_cache_hit_rate_min
    expect(expr("pool_timeouts")).toContain("> 0") // rollback_pool_timeouts_max
  })

  it("reads only metrics that /metrics exposes, with their types", () => {
    const missing: Array<string> = []
    for (const rule of rules) {
      for (const name of metricsIn(rule.expr)) {
        const family = families.get(familyOf(name, families))
        if (family === undefined) missing.push(`${rule.alert}: ${name}`)
        else if (name.endsWith("_bucket")) expect(family.type, name).toBe("HISTOGRAM")
        else if (/rate\(\s*[a-z_]+\{?[^)]*\[/.test(rule.expr) && name.endsWith("_total"))
          expect(family.type, name).toBe("COUNTER")
      }
    }
    expect(missing).toEqual([])
  })

  it.skipIf(!promtool)("promtool: the rules check, their unit tests pass, the /metrics text checks", async () => {
    await run("promtool", ["check", "rules", ALERTS])
    await run("promtool", ["test", "rules", join(DEPLOY, "prometheus/alerts.test.yml")])
    const file = join(tmpdir(), `memory-turso-metrics-${process.pid}.txt`)
    writeFileSync(file, text)
    // `check metrics` reads stdin; lint problems are printed and fail the command.
    await run("sh", ["-c", `promtool check metrics < ${file}`])
  })
})

describe("deploy/grafana/memory-turso.json", () => {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, "utf8")) as {
    uid: string
    panels: Array<{ id: number; type: string; title: string; targets?: Array<{ expr: string; refId: string }> }>
    templating: { list: Array<{ name: string }> }
  }
  const panels = dashboard.panels.filter((p) => p.type !== "row")

  it("has a panel for each figure operators watch", () => {
    const titles = panels.map((p) => p.title.toLowerCase()).join(" | ")
    for (const topic of [
      "request rate",
      "errors",
      "latency percentiles",
      "cache hit rate",
      "pool saturation",
      "keep-alive",
      "compression ratio",
      "coherence"
    ]) {
      expect(titles, topic).toContain(topic)
    }
    expect(new Set(dashboard.panels.map((p) => p.id)).size).toBe(dashboard.panels.length)
    expect(dashboard.templating.list.map((v) => v.name)).toEqual(["datasource", "job", "instance"])
  })

  it("queries only metrics that /metrics exposes", () => {
    const missing: Array<string> = []
    for (const panel of panels) {
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0)
      for (const target of panel.targets ?? []) {
        for (const name of metricsIn(target.expr)) {
          if (!families.has(familyOf(name, families))) missing.push(`${panel.title}: ${name}`)
        }
      }
    }
    expect(missing).toEqual([])
  })
})
