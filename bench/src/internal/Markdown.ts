/** The markdown summary of a run: per section, every comparison as subject beside baseline, ratio and goal. */
import type { Comparison } from "../Result.js"
import type { RunResult, SectionOutcome } from "../RunResult.js"
import { formatRatio, withUnit } from "./Format.js"

const cell = (text: string) => text.replaceAll("|", "\\|").replaceAll("\n", " ")

const goalCell = (c: Comparison) =>
  c.goal === undefined ? "" : `${c.goal.met ? "met" : "**not met**"}: ${c.goal.text}`

const comparisonRow = (c: Comparison) =>
  `| \`${c.id}\` | ${cell(c.setting)} | ${cell(c.subject.name)}: ${withUnit(c.subject.value, c.subject.unit)} | ` +
  `${cell(c.baseline.name)}: ${withUnit(c.baseline.value, c.baseline.unit)} | ${formatRatio(c.ratio)} | ${cell(goalCell(c))} |`

const sectionBlock = (outcome: SectionOutcome): Array<string> => {
  const lines = [`### ${outcome.id}`, "", `\`${outcome.command}\` (${outcome.durationSeconds} s)`, ""]
  if (outcome.failure !== undefined) {
    lines.push(`**Failed** (${outcome.failure.reason}): ${outcome.failure.message}`, "")
    if (outcome.stderrTail !== undefined && outcome.stderrTail.trim() !== "")
      lines.push("```", outcome.stderrTail.trim().split("\n").slice(-15).join("\n"), "```", "")
  }
  const result = outcome.result
  if (result === undefined) return lines
  if (result.comparisons.length > 0) {
    lines.push("| id | setting | subject | baseline | ratio | goal |", "|---|---|---|---|---:|---|")
    lines.push(...result.comparisons.map(comparisonRow), "")
  }
  for (const figure of result.figures ?? [])
    lines.push(`- ${cell(figure.name)}: ${withUnit(figure.value, figure.unit)} (${cell(figure.setting)})`)
  for (const note of result.notes ?? []) lines.push(`- note: ${cell(note)}`)
  if ((result.figures ?? []).length + (result.notes ?? []).length > 0) lines.push("")
  return lines
}

/** The whole summary: machine, a goals table across sections, then each section. */
export const renderMarkdown = (run: RunResult): string => {
  const m = run.machine
  const failed = run.sections.filter((s) => s.status === "failed")
  const goals = run.sections.flatMap((s) => (s.result?.comparisons ?? []).filter((c) => c.goal !== undefined))
  const lines = [
    `# pnpm bench, ${run.date}`,
    "",
    `Commit \`${m.gitCommit.slice(0, 12)}\`${m.gitDirty ? " (with uncommitted changes)" : ""}; node ${m.node}, ` +
      `${m.platform}, ${m.cpuCount} x ${m.cpuModel}, ${(m.totalMemoryBytes / 2 ** 30).toFixed(1)} GiB; ` +
      `${run.quick ? "quick run (`BENCH_QUICK=1`)" : "full run"}` +
      `${run.only.length > 0 ? `, only ${run.only.map((o) => `\`${o}\``).join(", ")}` : ""}; ` +
      `${Math.round(run.durationSeconds)} s in all.`,
    "",
    `Sections: ${run.sections.length - failed.length} ok, ${failed.length} failed` +
      (failed.length > 0 ? ` (${failed.map((s) => `${s.id}: ${s.failure?.reason}`).join("; ")})` : "") +
      ". Ratios are subject / baseline, measured side by side in this run.",
    ""
  ]
  if (goals.length > 0) {
    lines.push("## Goals", "", "| id | ratio | goal |", "|---|---:|---|")
    lines.push(...goals.map((c) => `| \`${c.id}\` | ${formatRatio(c.ratio)} | ${cell(goalCell(c))} |`), "")
  }
  lines.push("## Sections", "")
  for (const outcome of run.sections) lines.push(...sectionBlock(outcome))
  return `${lines.join("\n").trimEnd()}\n`
}
