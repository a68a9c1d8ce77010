import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { tempDir } from "./tempDir.js"

/** Latency limits no machine misses, for tests about anything but how loaded this machine is. */
export const generousLimits = {
  single_read_p50_ms_max: 60_000,
  cached_read_p50_ms_max: 60_000,
  batch_store_p50_ms_max: 60_000
} as const

/** A thresholds file with `generousLimits` plus `extra`; returns its path. */
export const thresholdsFile = (extra: Record<string, number> = {}): string => {
  const file = join(tempDir(), "thresholds.json")
  writeFileSync(file, JSON.stringify({ ...generousLimits, ...extra }))
  return file
}
