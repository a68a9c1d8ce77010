/**
 * The benchmark commands and ids a markdown document quotes, and which of them no longer exist.
 *
 * Recognized: `pnpm --filter <package> <bench script>` (also `-F`, `--filter=`), `cd <dir> && pnpm <bench script>`,
 * `pnpm <bench script>` (the root package), where a bench script is one whose name contains "bench"; and ids quoted
 * as the command that prints them, `pnpm bench -- --only <section prefix or comparison id>`.
 */
import { type Section, selects } from "../Registry.js"
import type { WorkspacePackage } from "./Workspace.js"

/** One benchmark command found in a document. */
export interface QuotedCommand {
  readonly line: number
  readonly text: string
  /** The package it runs in: by name (`--filter`), by folder (`cd dir &&`), or the root. */
  readonly target: { readonly name: string } | { readonly dir: string }
  readonly script: string
  /** The selectors of `--only`. */
  readonly only: ReadonlyArray<string>
}

const COMMAND = /(?:\bcd\s+([^\s`&|;]+)\s*&&\s*)?\bpnpm((?:[ \t]+[^\s`|;&)]+)+)/g

/** Parses the words after `pnpm`; undefined when it is not a bench script (or a placeholder like `<pkg>`). */
const parse = (cdDir: string | undefined, words: ReadonlyArray<string>) => {
  let name: string | undefined
  let dir = cdDir
  let i = 0
  for (; i < words.length; i++) {
    const word = words[i]!
    if (word === "--filter" || word === "-F") name = words[++i]
    else if (word.startsWith("--filter=")) name = word.slice("--filter=".length)
    else if (word === "-C" || word === "--dir") dir = words[++i]
    else if (word === "run" || (word.startsWith("-") && word !== "--")) continue
    else break
  }
  const script = words[i]
  if (script === undefined || !script.includes("bench") || /[<>]/.test(`${name ?? ""}${dir ?? ""}${script}`))
    return undefined
  const only: Array<string> = []
  const rest = words.slice(i + 1)
  rest.forEach((word, k) => {
    const value = word === "--only" ? rest[k + 1] : word.startsWith("--only=") ? word.slice(7) : undefined
    if (value !== undefined) only.push(...value.split(",").filter((s) => s !== "" && !/[<>]/.test(s)))
  })
  const target = name !== undefined ? { name } : { dir: dir ?? "." }
  return { target, script, only }
}

/** Every benchmark command quoted in `markdown`, with its line number. */
export const quotedCommands = (markdown: string): ReadonlyArray<QuotedCommand> =>
  markdown.split("\n").flatMap((text, index) =>
    [...text.matchAll(COMMAND)].flatMap((match) => {
      const parsed = parse(match[1], match[2]!.trim().split(/\s+/))
      return parsed === undefined ? [] : [{ line: index + 1, text: match[0].trim(), ...parsed }]
    })
  )

const normalizeDir = (dir: string) => dir.replace(/^\.\//, "").replace(/\/$/, "") || "."

/** What is wrong with each quoted command of `markdown` ("README.md:12: ... has no script bench:x"). */
export const staleQuotes = (
  file: string,
  markdown: string,
  packages: ReadonlyArray<WorkspacePackage>,
  sections: ReadonlyArray<Section>
): ReadonlyArray<string> =>
  quotedCommands(markdown).flatMap((command) => {
    const where = `${file}:${command.line}: \`${command.text}\``
    const owner =
      "name" in command.target
        ? packages.find((p) => p.name === (command.target as { name: string }).name)
        : packages.find((p) => p.dir === normalizeDir((command.target as { dir: string }).dir))
    const label = "name" in command.target ? command.target.name : `folder ${command.target.dir}`
    if (owner === undefined) return [`${where}: no workspace package ${label}`]
    const problems: Array<string> = []
    if (owner.scripts[command.script] === undefined)
      problems.push(`${where}: ${owner.name} has no script "${command.script}"`)
    for (const selector of command.only)
      if (!sections.some((section) => selects(selector, section)))
        problems.push(`${where}: "${selector}" is neither a section nor a comparison id of bench/src/Registry.ts`)
    return problems
  })
