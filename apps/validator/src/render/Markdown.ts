import type { Distribution } from "../Distribution.js"
import type { Operation } from "../Observations.js"
import { cells, latencyHead, latencyRows } from "./Cells.js"
import type { Block } from "./Table.js"

const escapeCell = (text: string) => text.replace(/\|/g, "\\|")

const table = (head: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>) =>
  [
    `| ${head.join(" | ")} |`,
    `| ${head.map(() => "---").join(" | ")} |`,
    ...rows.map((r) => `| ${r.map(escapeCell).join(" | ")} |`)
  ].join("\n")

/** What the summary is about. */
export interface Summary {
  readonly title: string
  readonly facts: ReadonlyArray<readonly [string, string]>
  readonly blocks: ReadonlyArray<Block>
  readonly operations: Partial<Record<Operation, Distribution>>
  readonly footer?: ReadonlyArray<string>
}

/** A markdown summary for CI logs: facts, criteria and triggers, latency percentiles. */
export const render = (summary: Summary): string => {
  const parts: Array<string> = [`## ${summary.title}`, ""]
  for (const [key, value] of summary.facts) parts.push(`- **${key}**: ${escapeCell(value)}`)
  for (const block of summary.blocks) {
    parts.push("", `### ${block.title}`, "")
    parts.push(
      table(
        ["status", "check", "measured", "threshold", "note"],
        block.checks.map((c) => cells(block.kind, c))
      )
    )
  }
  const latency = latencyRows(summary.operations)
  if (latency.length > 0) parts.push("", "### Latency (ms)", "", table(latencyHead, latency))
  if (summary.footer !== undefined && summary.footer.length > 0) parts.push("", ...summary.footer)
  return `${parts.join("\n")}\n`
}
