/**
 * What `pnpm bench` writes to `bench/results/<date>.json`: the machine, then every section it ran with its result
 * or why it failed.
 */
import type { SectionResult } from "./Result.js"

/** The machine and checkout a run measured. */
export interface Machine {
  readonly node: string
  readonly platform: string
  readonly cpuCount: number
  readonly cpuModel: string
  readonly totalMemoryBytes: number
  /** `git rev-parse HEAD`, and whether the work tree had uncommitted changes. */
  readonly gitCommit: string
  readonly gitDirty: boolean
}

/** Why a section has no result. */
export type Failure =
  | { readonly reason: "missing script"; readonly message: string }
  | { readonly reason: "timeout"; readonly message: string }
  | { readonly reason: "exit"; readonly message: string }
  | { readonly reason: "no result"; readonly message: string }
  /** It wrote a result, but not the section or comparison ids the registry lists (the result is kept). */
  | { readonly reason: "ids differ from the registry"; readonly message: string }

/** One section of a run. */
export interface SectionOutcome {
  readonly id: string
  readonly command: string
  readonly status: "ok" | "failed"
  readonly durationSeconds: number
  readonly result?: SectionResult
  readonly failure?: Failure
  /** The end of what it wrote to stderr, when it failed. */
  readonly stderrTail?: string
}

/** A whole `pnpm bench` run. */
export interface RunResult {
  /** UTC date of the run, `YYYY-MM-DD`, the results' file name. */
  readonly date: string
  readonly startedAt: string
  readonly durationSeconds: number
  /** Sections ran their shorter version (`BENCH_QUICK=1`). */
  readonly quick: boolean
  /** The `--only` selectors, empty when every section ran. */
  readonly only: ReadonlyArray<string>
  readonly machine: Machine
  readonly sections: ReadonlyArray<SectionOutcome>
}
