/**
 * What one benchmark section reports: every figure beside the baseline or physical limit it was measured against in
 * the same run, so a reader compares ratios, not absolute numbers from different days.
 */

/** Where a figure was measured. */
export type Setting = "local, embedded" | "local, in memory" | `remote test server (${string})` | (string & {})

/** One measured number. */
export interface Figure {
  /** What was measured ("API bulk import", "bare @libsql/client batch of 10"). */
  readonly name: string
  readonly value: number
  /** "episodes/s", "req/s", "ms", "bytes", "ratio", ... */
  readonly unit: string
}

/** Latency percentiles of one series, for the charts (milliseconds). */
export interface Latency {
  readonly name: string
  /** Which side of the comparison this series is; without it, a series named like the baseline figure is the baseline. */
  readonly role?: "subject" | "baseline"
  readonly p50: number
  readonly p95?: number
  readonly p99: number
  readonly max?: number
}

/** A goal from an issue, and whether this run met it. */
export interface Goal {
  /** The goal in words ("at least 0.6x of the engine"). */
  readonly text: string
  readonly met: boolean
}

/** One figure beside its baseline, measured side by side in one run. */
export interface Comparison {
  /** Stable name, quoted by READMEs ("bulk-import.api-vs-engine"); a test fails when a quoted one disappears. */
  readonly id: string
  readonly title: string
  readonly setting: Setting
  /** What we built. */
  readonly subject: Figure
  /** The baseline or limit beside it (bare node:http, the in-process engine, bare @libsql/client, no compression). */
  readonly baseline: Figure
  /** subject / baseline, in the unit's sense: for a throughput higher is better, for a latency or size lower is. */
  readonly ratio: number
  readonly goal?: Goal
  /** Percentiles to chart, subject and baseline series. */
  readonly latency?: ReadonlyArray<Latency>
}

/** Everything one section (one benchmark script) reports. */
export interface SectionResult {
  /** Stable section name ("api.bulk-import"). */
  readonly section: string
  /** The command that runs this section alone and prints it. */
  readonly command: string
  readonly comparisons: ReadonlyArray<Comparison>
  /** Other figures without a baseline of their own (sizes, counts), printed as they are. */
  readonly figures?: ReadonlyArray<Figure & { readonly setting: Setting }>
  readonly notes?: ReadonlyArray<string>
}

/** The environment variable naming the file a section writes its result to (set by `pnpm bench`). */
export const RESULT_FILE_ENV = "BENCH_RESULT_FILE"

/** The environment variable `pnpm bench` sets to ask sections for their shorter run (the 15-minute budget). */
export const QUICK_ENV = "BENCH_QUICK"
