import { escapeHtml } from "./Html.js"

/** Inline Markdown: `code` spans and **bold**; everything else is escaped text. */
export const inlineHtml = (text: string): string =>
  text
    .split("`")
    .map((part, i) =>
      i % 2 === 1
        ? `<code>${escapeHtml(part)}</code>`
        : escapeHtml(part).replace(/\*\*(.+?)\*\*/g, "<strong>$1</strong>")
    )
    .join("")

/** The cells of a Markdown table row (`| a | b \| c |`), unescaping `\|`. */
const cellsOf = (row: string): ReadonlyArray<string> =>
  row
    .trim()
    .replace(/^\||\|$/g, "")
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim().replaceAll("\\|", "|"))

const table = (lines: ReadonlyArray<string>): string => {
  const [head = "", , ...rows] = lines
  const cells = (row: string, tag: string) => cellsOf(row).map((cell) => `<${tag}>${inlineHtml(cell)}</${tag}>`)
  return `<table><thead><tr>${cells(head, "th").join("")}</tr></thead><tbody>${rows
    .map((row) => `<tr>${cells(row, "td").join("")}</tr>`)
    .join("")}</tbody></table>`
}

/**
 * HTML of the small Markdown subset the document's descriptions are written in: paragraphs separated by blank
 * lines, `- ` lists, `|` tables, `code` spans and **bold**. All text is escaped.
 */
export const markdownHtml = (markdown: string): string =>
  markdown
    .split(/\n\s*\n/)
    .map((block) => block.split("\n").filter((line) => line.trim() !== ""))
    .filter((lines) => lines.length > 0)
    .map((lines) => {
      if (lines.every((line) => line.startsWith("- "))) {
        return `<ul>${lines.map((line) => `<li>${inlineHtml(line.slice(2))}</li>`).join("")}</ul>`
      }
      if (lines.length >= 2 && lines.every((line) => line.trimStart().startsWith("|"))) return table(lines)
      return `<p>${inlineHtml(lines.join(" "))}</p>`
    })
    .join("\n")
