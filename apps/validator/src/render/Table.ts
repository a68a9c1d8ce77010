import * as Doc from "@effect/printer/Doc"
import * as Ansi from "@effect/printer-ansi/Ansi"
import * as AnsiDoc from "@effect/printer-ansi/AnsiDoc"
import type { Check, Status } from "../Evaluate.js"
import { cells, type Kind } from "./Cells.js"

/** One titled block of rows. */
export interface Block {
  readonly title: string
  readonly kind: Kind
  readonly checks: ReadonlyArray<Check>
}

const styleOf = (status: Status): Ansi.Ansi =>
  status === "pass" ? Ansi.green : status === "fail" ? Ansi.combine(Ansi.red, Ansi.bold) : Ansi.blackBright

const HEAD = ["status", "check", "measured", "threshold", "note"]

/** A terminal table of criteria and triggers, aligned in columns; colored when `color` is set. */
export const render = (blocks: ReadonlyArray<Block>, options: { readonly color: boolean }): string => {
  const rows = blocks.flatMap((b) => b.checks.map((c) => cells(b.kind, c)))
  const widths = HEAD.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (values: ReadonlyArray<string>, status?: Status): Doc.Doc<Ansi.Ansi> => {
    const padded = values.map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i]!)))
    const first = Doc.text(padded[0]!)
    return Doc.hsep([
      status === undefined ? first : Doc.annotate(first, styleOf(status)),
      ...padded.slice(1).map(Doc.text)
    ])
  }
  const docs: Array<Doc.Doc<Ansi.Ansi>> = []
  for (const block of blocks) {
    docs.push(Doc.annotate(Doc.text(block.title), Ansi.bold))
    docs.push(line(HEAD))
    docs.push(Doc.text(widths.map((w) => "-".repeat(w)).join(" ")))
    for (const check of block.checks) docs.push(line(cells(block.kind, check), check.status))
    docs.push(Doc.empty)
  }
  const doc = Doc.vsep(docs)
  return options.color
    ? AnsiDoc.render(doc, { style: "pretty", options: { lineWidth: 100_000 } })
    : Doc.render(Doc.unAnnotate(doc), { style: "pretty", options: { lineWidth: 100_000 } })
}
