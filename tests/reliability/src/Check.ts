import type { CheckResult } from "./Report.js"

/** What every check gets from the runner. */
export interface SuiteContext {
  /** A private folder for configuration files, logs and embedded databases (deleted after a passing run). */
  readonly workDir: string
}

/** One check of the suite. */
export interface Check {
  /** Its short id, for `--only`: `outage`. */
  readonly id: string
  /** Its name in the output line: `database down 5 s under write load`. */
  readonly name: string
  /** Runs it; starts and stops whatever processes and servers it needs. */
  readonly run: (context: SuiteContext) => Promise<CheckResult>
}
