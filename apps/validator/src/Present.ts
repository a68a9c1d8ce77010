import type { Distribution } from "./Distribution.js"
import { ms } from "./Evaluate.js"
import type { Operation } from "./Observations.js"
import type { RunReport } from "./Report.js"
import { latencyHead, latencyRows } from "./render/Cells.js"
import * as Markdown from "./render/Markdown.js"
import * as Svg from "./render/Svg.js"
import * as Table from "./render/Table.js"
import { sampleLine, type WatchReport } from "./Watch.js"

/** How results go to stdout. */
export type Format = "table" | "markdown" | "json"

const headline = (outcome: string, exitCode: number) =>
  `memory-turso validator: ${outcome === "pass" ? "PASS" : outcome === "rollback" ? "ROLLBACK" : outcome === "error" ? "ERROR" : "FAIL"} (exit ${exitCode})`

const baselineFact = (path: string | null, runId: string | null) =>
  path === null ? "none" : `${path} (run ${runId ?? "?"})`

const latencyTable = (operations: Partial<Record<Operation, Distribution>>): string => {
  const rows = latencyRows(operations)
  const widths = latencyHead.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (r: ReadonlyArray<string>) =>
    r.map((v, i) => (i === 0 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join("  ")
  return ["Latency", line(latencyHead), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n")
}

const runBlocks = (report: RunReport): ReadonlyArray<Table.Block> => [
  { title: "Success criteria", kind: "criterion", checks: report.criteria },
  { title: "Rollback triggers", kind: "trigger", checks: report.triggers }
]

const runFacts = (report: RunReport): ReadonlyArray<readonly [string, string]> => [
  ["API", report.url],
  ["run", `${report.run_id} (ids mtv-${report.run_id}-*), ${report.samples} samples per operation`],
  [
    "data",
    `${report.seeded_episodes} episodes seeded, ${report.kept_data ? "kept" : `${report.removed_episodes} removed`}`
  ],
  ["baseline", baselineFact(report.baseline, report.baseline_run_id)]
]

/** Thresholds drawn on the latency chart. */
const limits = (report: RunReport): ReadonlyArray<Svg.Limit> => [
  { operation: "single_read", ms: report.thresholds.single_read_p50_ms_max },
  { operation: "cached_read", ms: report.thresholds.cached_read_p50_ms_max },
  { operation: "batch_store", ms: report.thresholds.batch_store_p50_ms_max }
]

/** The markdown summary of a run. */
export const runMarkdown = (report: RunReport): string =>
  Markdown.render({
    title: headline(report.outcome, report.exit_code),
    facts: runFacts(report),
    blocks: runBlocks(report),
    operations: report.operations
  })

/** What a run prints in `format`. */
export const runStdout = (report: RunReport, format: Format, color: boolean): string => {
  if (format === "json") return `${JSON.stringify(report, null, 2)}\n`
  if (format === "markdown") return runMarkdown(report)
  const facts = runFacts(report).map(([k, v]) => `${k}: ${v}`)
  return [
    headline(report.outcome, report.exit_code),
    ...facts,
    "",
    Table.render(runBlocks(report), { color }),
    latencyTable(report.operations),
    ""
  ].join("\n")
}

/** The files a run writes into `--report-dir`. */
export const runFiles = (report: RunReport): Record<string, string> => ({
  "report.json": `${JSON.stringify(report, null, 2)}\n`,
  "summary.md": runMarkdown(report),
  "latency.svg": Svg.render(
    `memory-turso validator ${report.run_id}: latency per operation`,
    report.operations,
    limits(report)
  )
})

const watchFacts = (report: WatchReport): ReadonlyArray<readonly [string, string]> => [
  ["API", report.url],
  [
    "schedule",
    `${report.schedule} x${report.scale}: ${report.samples.length} of ${report.planned_samples} samples taken`
  ],
  ["baseline", baselineFact(report.baseline, report.baseline_run_id)],
  ...(report.error === null ? [] : [["error", report.error] as const])
]

const lastTriggers = (report: WatchReport): ReadonlyArray<Table.Block> => {
  const last = report.samples[report.samples.length - 1]
  return last === undefined
    ? []
    : [
        {
          title: `Rollback triggers at sample ${last.index + 1} (${last.offset})`,
          kind: "trigger",
          checks: last.triggers
        }
      ]
}

/** The markdown summary of a watch. */
export const watchMarkdown = (report: WatchReport): string =>
  Markdown.render({
    title: headline(report.outcome, report.exit_code),
    facts: watchFacts(report),
    blocks: lastTriggers(report),
    operations: {},
    footer: [
      "### Samples",
      "",
      "| sample | at | health p50 | read p50 | RSS MiB | hit rate | error rate | fired |",
      "| --- | --- | --- | --- | --- | --- | --- | --- |",
      ...report.samples.map(
        (s) =>
          `| ${s.index + 1} | ${s.offset} | ${ms(s.health_p50_ms)} | ${ms(s.read_p50_ms)} | ${(s.rss_bytes / 1024 ** 2).toFixed(1)} | ${s.hit_rate?.toFixed(3) ?? "-"} | ${s.error_rate_pct.toFixed(2)}% | ${
            s.triggers
              .filter((t) => t.status === "fail")
              .map((t) => t.label)
              .join(", ") || "-"
          } |`
      )
    ]
  })

/** What a watch prints at its end in `format` (table: the per-sample lines were printed as they came). */
export const watchStdout = (report: WatchReport, format: Format, color: boolean): string => {
  if (format === "json") return `${JSON.stringify(report, null, 2)}\n`
  if (format === "markdown") return watchMarkdown(report)
  return [
    "",
    headline(report.outcome, report.exit_code),
    ...watchFacts(report).map(([k, v]) => `${k}: ${v}`),
    "",
    Table.render(lastTriggers(report), { color })
  ].join("\n")
}

/** The files a watch writes into `--report-dir`. */
export const watchFiles = (report: WatchReport): Record<string, string> => ({
  "watch-report.json": `${JSON.stringify(report, null, 2)}\n`,
  "watch-summary.md": watchMarkdown(report)
})

/** The line printed for each watch sample. */
export const watchSampleLine = sampleLine
