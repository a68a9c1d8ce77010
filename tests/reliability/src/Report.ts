/** What one check found: its figures, and the criteria it missed (none: it passed). */
export interface CheckResult {
  readonly name: string
  /** The counts and times measured, in words: `5 kills, 812 acknowledged batches all present in full`. */
  readonly figures: string
  /** One entry per missed criterion; empty when the check passed. */
  readonly problems: ReadonlyArray<string>
}

/** A criterion: when `failed`, `problem` is reported. */
export type Criterion = readonly [failed: boolean, problem: string]

/** A result from its figures and the criteria it was held to. */
export const resultOf = (name: string, figures: string, criteria: ReadonlyArray<Criterion>): CheckResult => ({
  name,
  figures,
  problems: criteria.filter(([failed]) => failed).map(([, problem]) => problem)
})

/** A check that could not run to its end (a process would not start, ...): it fails with the reason. */
export const brokenResult = (name: string, error: unknown): CheckResult => ({
  name,
  figures: "could not run",
  problems: [error instanceof Error ? error.message.split("\n")[0]! : String(error)]
})

export const passed = (result: CheckResult): boolean => result.problems.length === 0

/** The suite's line for a check: `PASS  name: figures` or `FAIL  name: figures; FAILED: problem; problem`. */
export const lineOf = (result: CheckResult): string =>
  passed(result)
    ? `PASS  ${result.name}: ${result.figures}`
    : `FAIL  ${result.name}: ${result.figures}; FAILED: ${result.problems.join("; ")}`

/** `n` and the noun, plural unless n is 1. */
export const count = (n: number, noun: string, plural = `${noun}s`): string => `${n} ${n === 1 ? noun : plural}`

/** `{"200": 3, "503": 2}` as `200 x3, 503 x2` (by status). */
export const tally = (counts: ReadonlyMap<string | number, number>): string =>
  counts.size === 0
    ? "none"
    : [...counts.entries()]
        .sort(([a], [b]) => String(a).localeCompare(String(b)))
        .map(([key, n]) => `${key} x${n}`)
        .join(", ")

/** Adds one to `key` in a tally. */
export const bump = <K>(counts: Map<K, number>, key: K): void => {
  counts.set(key, (counts.get(key) ?? 0) + 1)
}

/** Up to `max` examples, and how many more there were. */
export const examples = (items: ReadonlyArray<string>, max = 3): string =>
  items.length <= max ? items.join(", ") : `${items.slice(0, max).join(", ")} and ${items.length - max} more`
