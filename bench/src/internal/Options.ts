/** The command line of `pnpm bench`. */

/** What a run was asked to do. */
export interface Options {
  /** `--only <selector>` (repeatable, or comma-separated): section id prefixes or comparison ids. */
  readonly only: ReadonlyArray<string>
  /** `--full`: sections run their full length instead of `BENCH_QUICK=1` (longer than the 15-minute budget). */
  readonly full: boolean
}

/** Parses `argv` (after the script); a stray `--` from `pnpm bench -- ...` is skipped. */
export const parseOptions = (argv: ReadonlyArray<string>): Options => {
  const only: Array<string> = []
  let full = false
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === "--") continue
    if (arg === "--full") full = true
    else if (arg === "--only" || arg.startsWith("--only=")) {
      const value = arg === "--only" ? argv[++i] : arg.slice("--only=".length)
      if (value === undefined || value === "") throw new Error("--only needs a section id prefix or a comparison id")
      only.push(...value.split(",").filter((s) => s !== ""))
    } else throw new Error(`unknown option ${arg} (options: --only <section-prefix>, --full)`)
  }
  return { only, full }
}
