/** Every criterion passed and no rollback trigger fired. */
export const PASS = 0
/** At least one success criterion failed. */
export const CRITERION_FAILED = 1
/** At least one rollback trigger fired (wins over a failed criterion). */
export const ROLLBACK = 2
/** The API is unreachable or answered garbage (or the validator itself broke): no verdict possible. */
export const API_PROBLEM = 3
/** Bad command-line arguments, thresholds file or baseline file. */
export const USAGE = 4

/** One of the documented exit codes. */
export type ExitCode = typeof PASS | typeof CRITERION_FAILED | typeof ROLLBACK | typeof API_PROBLEM | typeof USAGE
