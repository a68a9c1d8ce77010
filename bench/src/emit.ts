import { writeFileSync } from "node:fs"
import { type Comparison, RESULT_FILE_ENV, type SectionResult } from "./Result.js"

const fmt = (n: number) => (Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 1 ? n.toFixed(2) : n.toPrecision(3))

const line = (c: Comparison) =>
  `${c.id}  [${c.setting}]\n  ${c.subject.name}: ${fmt(c.subject.value)} ${c.subject.unit}` +
  `  |  ${c.baseline.name}: ${fmt(c.baseline.value)} ${c.baseline.unit}  |  ratio ${fmt(c.ratio)}` +
  (c.goal === undefined ? "" : `  |  goal ${c.goal.text}: ${c.goal.met ? "met" : "NOT met"}`)

/**
 * Prints a section's result for a reader, and writes it as JSON to the file `pnpm bench` named in
 * `BENCH_RESULT_FILE` (when it runs the section).
 */
export const emit = (result: SectionResult): void => {
  console.log(`\n## ${result.section}   (${result.command})`)
  for (const comparison of result.comparisons) console.log(line(comparison))
  for (const figure of result.figures ?? [])
    console.log(`${figure.name}: ${fmt(figure.value)} ${figure.unit}  [${figure.setting}]`)
  for (const note of result.notes ?? []) console.log(`note: ${note}`)
  const file = process.env[RESULT_FILE_ENV]
  if (file !== undefined && file !== "") writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`)
}
