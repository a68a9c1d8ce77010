import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

const made: Array<string> = []
process.once("exit", () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true })
})

/** A fresh temporary directory, removed when the test process exits. */
export const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), "validator-test-"))
  made.push(dir)
  return dir
}
