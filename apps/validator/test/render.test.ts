import { describe, expect, it } from "@effect/vitest"
import { summarize } from "../src/Distribution.js"
import type { Check } from "../src/Evaluate.js"
import * as Markdown from "../src/render/Markdown.js"
import * as Svg from "../src/render/Svg.js"
import * as Table from "../src/render/Table.js"

const check = (over: Partial<Check>): Check => ({
  id: "x",
  label: "single read p50",
  status: "pass",
  value: 1,
  measured: "p50 1.000 ms",
  threshold: "< 30.0 ms",
  ...over
})

describe("renderers", () => {
  it("the terminal table aligns columns, words statuses per kind, strips control characters, colors only on request", () => {
    const blocks: ReadonlyArray<Table.Block> = [
      {
        title: "Success criteria",
        kind: "criterion",
        checks: [check({}), check({ status: "fail", label: "errors\u001b[2J" })]
      },
      {
        title: "Rollback triggers",
        kind: "trigger",
        checks: [check({ status: "fail", label: "process RSS" }), check({ status: "pass", label: "pool" })]
      }
    ]
    const plain = Table.render(blocks, { color: false })
    const lines = plain.split("\n")
    expect(lines).toContain("PASS   single read p50 p50 1.000 ms < 30.0 ms ")
    expect(plain).toContain("FAIL   errors [2J")
    expect(plain).toContain("FIRED  process RSS")
    expect(plain).toMatch(/^ok +pool/m)
    expect(plain).not.toContain("\u001b")
    expect(Table.render(blocks, { color: true })).toContain("\u001b[")
  })

  it("markdown escapes pipes and lists latency percentiles", () => {
    const md = Markdown.render({
      title: "t",
      facts: [["API", "http://x|y"]],
      blocks: [{ title: "Success criteria", kind: "criterion", checks: [check({ note: "a|b" })] }],
      operations: { single_read: summarize([1, 2, 3, 4, 5]) }
    })
    expect(md).toContain("- **API**: http://x\\|y")
    expect(md).toContain("| PASS | single read p50 | p50 1.000 ms | < 30.0 ms | a\\|b |")
    expect(md).toContain("| single read (first read) | 5 | 3.000 ms | 5.000 ms | 5.000 ms | 5.000 ms |")
  })

  it("the SVG has one box, one median and one dot per sample for each operation, and the thresholds", () => {
    const svg = Svg.render(
      "run <1> & co",
      { single_read: summarize([1, 2, 3, 4, 50]), cached_read: summarize([0.2, 0.3, 0.4, 0.5, 0.6, 0.7]) },
      [{ operation: "single_read", ms: 30 }]
    )
    expect(svg).toContain("run &lt;1&gt; &amp; co")
    expect(svg.match(/<rect x=/g)).toHaveLength(2)
    expect(svg.match(/<circle /g)).toHaveLength(11)
    expect(svg.match(/stroke-dasharray/g)).toHaveLength(1)
    expect(svg).toContain(">0.1 ms<") // log axis from the smallest decade
    expect(svg).toContain(">100 ms<")
  })
})
