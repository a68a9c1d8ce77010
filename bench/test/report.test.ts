import { describe, expect, it } from "vitest"
import { latencyChart, throughputChart } from "../src/internal/Charts.js"
import { renderMarkdown } from "../src/internal/Markdown.js"
import { parseOptions } from "../src/internal/Options.js"
import { idMismatch, runSection } from "../src/internal/SectionRunner.js"
import { SECTIONS, type Section, selects } from "../src/Registry.js"
import type { Comparison, SectionResult } from "../src/Result.js"
import type { RunResult } from "../src/RunResult.js"

const section: Section = {
  id: "cache.made-up",
  package: "@memory-turso/cache",
  script: "bench:made-up",
  timeoutSeconds: 5,
  comparisons: ["cache.made-up.a", "cache.made-up.b"],
  about: "a made-up section"
}

const comparison = (id: string, unit: string, latency = false): Comparison => ({
  id,
  title: id,
  setting: "local, in memory",
  subject: { name: "subject figure", value: 300, unit },
  baseline: { name: "baseline figure", value: 1000, unit },
  ratio: 0.3,
  goal: { text: "at least 0.25x", met: true },
  ...(latency
    ? {
        latency: [
          { name: "subject figure", p50: 1, p95: 2, p99: 3 },
          { name: "baseline figure", p50: 0.5, p99: 1 }
        ]
      }
    : {})
})

const result = (ids: ReadonlyArray<string>, name = section.id): SectionResult => ({
  section: name,
  command: "pnpm --filter @memory-turso/cache bench:made-up",
  comparisons: ids.map((id) => comparison(id, "req/s"))
})

const run = (sections: RunResult["sections"]): RunResult => ({
  date: "2026-12-03",
  startedAt: "2026-12-03T10:00:00.000Z",
  durationSeconds: 12,
  quick: true,
  only: [],
  machine: {
    node: "v20.20.2",
    platform: "linux/x64",
    cpuCount: 2,
    cpuModel: "cpu",
    totalMemoryBytes: 2 ** 33,
    gitCommit: "0123456789abcdef",
    gitDirty: false
  },
  sections
})

const count = (text: string, needle: string) => text.split(needle).length - 1

describe("the runner", () => {
  it("accepts a result naming exactly the registry's ids, and names every difference otherwise", () => {
    expect(idMismatch(section, result(["cache.made-up.b", "cache.made-up.a"]))).toBeUndefined()
    expect(idMismatch(section, result(["cache.made-up.a", "cache.made-up.c"], "cache.other"))).toBe(
      'section "cache.other" (registry: "cache.made-up"); ids not in the registry: cache.made-up.c; ' +
        "registry ids it did not emit: cache.made-up.b (bench/src/Registry.ts)"
    )
  })

  it("records a section whose script does not exist as failed, without running anything", async () => {
    const outcome = await runSection(
      section,
      [{ name: "@memory-turso/cache", dir: "packages/cache", scripts: { bench: "node hit.ts" } }],
      { quick: true }
    )
    expect(outcome).toMatchObject({
      id: "cache.made-up",
      status: "failed",
      failure: {
        reason: "missing script",
        message: '@memory-turso/cache (packages/cache/package.json) has no "bench:made-up" script'
      }
    })
    expect(outcome.result).toBeUndefined()
  })

  it("selects sections by id prefix or by one of their comparison ids", () => {
    expect(SECTIONS.filter((s) => selects("api.", s)).length).toBeGreaterThan(3)
    expect(SECTIONS.filter((s) => selects("cache.hit.get", s)).map((s) => s.id)).toEqual(["cache.hit"])
    expect(SECTIONS.filter((s) => selects("cache.hit.nope", s))).toEqual([])
  })

  it("parses --only (repeated, comma-separated, after pnpm's --) and refuses unknown options", () => {
    expect(parseOptions(["--", "--only", "cache,api.livez", "--only=testkit"])).toEqual({
      only: ["cache", "api.livez", "testkit"],
      full: false
    })
    expect(parseOptions(["--full"])).toEqual({ only: [], full: true })
    expect(() => parseOptions(["--fast"])).toThrow("unknown option --fast")
    expect(() => parseOptions(["--only"])).toThrow("--only needs")
  })
})

describe("the report", () => {
  const ok = { id: section.id, command: "c", status: "ok" as const, durationSeconds: 3 }
  const sample = run([
    {
      ...ok,
      result: {
        ...result([]),
        comparisons: [
          comparison("cache.made-up.a", "req/s", true),
          comparison("cache.made-up.b", "ms", true),
          comparison("cache.made-up.c", "episodes/s")
        ]
      }
    },
    {
      id: "api.missing",
      command: "pnpm --filter @memory-turso/api bench:missing",
      status: "failed",
      durationSeconds: 0,
      failure: { reason: "missing script", message: 'no "bench:missing" script' }
    },
    {
      id: "api.broken",
      command: "pnpm --filter @memory-turso/api bench:broken",
      status: "failed",
      durationSeconds: 1,
      failure: { reason: "exit", message: "exited with code 1" },
      stderrTail: "Error: <boom> & more"
    }
  ])

  it("draws a baseline bar beside every throughput subject", () => {
    const svg = throughputChart(sample)
    // two throughput comparisons (req/s, episodes/s), the ms one is not a rate: a subject and a baseline bar each
    expect(count(svg, 'class="bar subject"')).toBe(2)
    expect(count(svg, 'class="bar baseline"')).toBe(2)
    expect(svg).toContain("cache.made-up.c")
    expect(svg).not.toContain("cache.made-up.b")
  })

  it("draws p50/p95/p99 of the subject and the baseline for every comparison with latency", () => {
    const svg = latencyChart(sample)
    // subject p50, p95, p99; the baseline series has no p95
    expect(count(svg, 'class="bar subject"')).toBe(2 * 3)
    expect(count(svg, 'class="bar baseline"')).toBe(2 * 2)
    expect(svg).toContain("baseline: baseline figure")
    expect(svg).toContain("subject: subject figure")
    expect(svg).not.toContain("cache.made-up.c")
  })

  it("summarizes every comparison, every failure and its stderr, escaped", () => {
    const markdown = renderMarkdown(sample)
    expect(count(markdown, "| `cache.made-up.")).toBe(3 + 3) // the goals table and the section's table
    expect(markdown).toContain("Sections: 1 ok, 2 failed (api.missing: missing script; api.broken: exit)")
    expect(markdown).toContain("Error: <boom> & more")
    expect(latencyChart(sample)).not.toContain("<boom>")
    expect(throughputChart(run([]))).toContain("no throughput comparisons in this run")
  })
})
