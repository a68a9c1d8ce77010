/**
 * `pnpm bench`: runs every section of the registry one after another (never in parallel: they measure the machine),
 * each in its quick version, and writes bench/results/<date>.json, <date>.md and <date>-*.svg.
 * Options: `--only <section-prefix or comparison id>` (repeatable), `--full` (sections' full length).
 * Exits non-zero if any section failed.
 */
import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { latencyChart, throughputChart } from "./internal/Charts.js"
import { describeMachine } from "./internal/Machine.js"
import { renderMarkdown } from "./internal/Markdown.js"
import { parseOptions } from "./internal/Options.js"
import { runSection } from "./internal/SectionRunner.js"
import { REPO_ROOT, workspacePackages } from "./internal/Workspace.js"
import { SECTIONS, selects } from "./Registry.js"
import type { RunResult, SectionOutcome } from "./RunResult.js"

const RESULTS_DIR = join(REPO_ROOT, "bench", "results")

const options = (() => {
  try {
    return parseOptions(process.argv.slice(2))
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error))
    return process.exit(2)
  }
})()
const sections = options.only.length === 0 ? SECTIONS : SECTIONS.filter((s) => options.only.some((o) => selects(o, s)))
if (sections.length === 0) {
  console.error(
    `no section matches --only ${options.only.join(", ")}; sections: ${SECTIONS.map((s) => s.id).join(", ")}`
  )
  process.exit(2)
}

const startedAt = new Date()
const began = performance.now()
const machine = await describeMachine()
const packages = workspacePackages()
const outcomes: Array<SectionOutcome> = []
for (const [i, section] of sections.entries()) {
  console.log(`\n=== [${i + 1}/${sections.length}] ${section.id}: ${section.about}`)
  const outcome = await runSection(section, packages, { quick: !options.full })
  outcomes.push(outcome)
  console.log(
    `=== ${section.id}: ${outcome.status} in ${outcome.durationSeconds} s` +
      (outcome.failure === undefined ? "" : ` (${outcome.failure.reason}: ${outcome.failure.message})`)
  )
}

const date = startedAt.toISOString().slice(0, 10)
const run: RunResult = {
  date,
  startedAt: startedAt.toISOString(),
  durationSeconds: Math.round((performance.now() - began) / 100) / 10,
  quick: !options.full,
  only: options.only,
  machine,
  sections: outcomes
}
mkdirSync(RESULTS_DIR, { recursive: true })
const files = {
  [`${date}.json`]: `${JSON.stringify(run, null, 2)}\n`,
  [`${date}.md`]: renderMarkdown(run),
  [`${date}-throughput.svg`]: throughputChart(run),
  [`${date}-latency.svg`]: latencyChart(run)
}
for (const [name, content] of Object.entries(files)) writeFileSync(join(RESULTS_DIR, name), content)

const failed = outcomes.filter((o) => o.status === "failed")
console.log(
  `\n${outcomes.length - failed.length}/${outcomes.length} sections ok in ${Math.round(run.durationSeconds)} s; ` +
    `wrote ${Object.keys(files)
      .map((name) => `bench/results/${name}`)
      .join(", ")}`
)
for (const f of failed) console.log(`failed: ${f.id} (${f.failure?.reason}: ${f.failure?.message})`)
process.exitCode = failed.length > 0 ? 1 : 0
