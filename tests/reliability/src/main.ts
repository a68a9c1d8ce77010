/**
 * The reliability suite: runs each check against the built API (`apps/api/dist/main.js`) and the libSQL test
 * server, prints one line per check with its figures, and exits 1 if any check failed.
 *
 *   pnpm test:reliability                      # builds the API, then runs every check
 *   pnpm --filter @memory-turso/reliability start -- --only outage,resets   # some checks (the API built)
 *
 * Each check's API configuration and log are kept in a temporary folder, named on stderr when a check fails.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { parseArgs } from "node:util"
import type { Check } from "./Check.js"
import { hostileCorpusCheck } from "./checks/hostileCorpus.js"
import { killEmbeddedCheck, killRemoteCheck } from "./checks/killNine.js"
import { outageCheck } from "./checks/outage.js"
import { poolExhaustionCheck } from "./checks/poolExhaustion.js"
import { resetsCheck } from "./checks/resets.js"
import { brokenResult, lineOf, passed } from "./Report.js"

const CHECKS: ReadonlyArray<Check> = [
  hostileCorpusCheck,
  outageCheck,
  resetsCheck,
  poolExhaustionCheck,
  killEmbeddedCheck,
  killRemoteCheck
]

const USAGE = `usage: reliability [--only ${CHECKS.map((c) => c.id).join(",")}] [--keep]
  --only IDS   run these checks only (comma-separated)
  --keep       keep the work folder (configurations, API logs, databases) even when every check passes`

const main = async () => {
  const { values } = parseArgs({
    args: process.argv.slice(2).filter((arg) => arg !== "--"),
    options: { only: { type: "string" }, keep: { type: "boolean" }, help: { type: "boolean" } }
  })
  if (values.help === true) {
    process.stdout.write(`${USAGE}\n`)
    return 0
  }
  const only = values.only?.split(",").map((id) => id.trim())
  const unknown = only?.filter((id) => !CHECKS.some((check) => check.id === id)) ?? []
  if (unknown.length > 0) {
    process.stderr.write(`unknown check ${unknown.join(", ")}\n${USAGE}\n`)
    return 2
  }
  const selected = only === undefined ? CHECKS : CHECKS.filter((check) => only.includes(check.id))
  const workDir = mkdtempSync(join(tmpdir(), "reliability-"))
  let failed = 0
  const began = performance.now()
  for (const check of selected) {
    const started = performance.now()
    const result = await check.run({ workDir }).catch((error: unknown) => brokenResult(check.name, error))
    if (!passed(result)) failed++
    const seconds = ((performance.now() - started) / 1000).toFixed(1)
    process.stdout.write(`${lineOf(result)} [${seconds} s]\n`)
  }
  const total = ((performance.now() - began) / 1000).toFixed(0)
  process.stdout.write(`${selected.length - failed} of ${selected.length} checks passed in ${total} s\n`)
  if (failed > 0 || values.keep === true) process.stderr.write(`work folder (configurations, API logs): ${workDir}\n`)
  else rmSync(workDir, { recursive: true, force: true })
  return failed > 0 ? 1 : 0
}

main().then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
    process.exitCode = 1
  }
)
