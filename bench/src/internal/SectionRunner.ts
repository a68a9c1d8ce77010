/**
 * Runs one section as a child process (its own process group, so a timeout stops the servers it started too), with
 * `BENCH_RESULT_FILE` naming a temporary file and `BENCH_QUICK=1`, and turns what happened into a `SectionOutcome`.
 */
import { spawn } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { commandOf, type Section } from "../Registry.js"
import { QUICK_ENV, RESULT_FILE_ENV, type SectionResult } from "../Result.js"
import type { Failure, SectionOutcome } from "../RunResult.js"
import { packageNamed, REPO_ROOT, type WorkspacePackage } from "./Workspace.js"

/** How much of a failed section's stderr the outcome keeps. */
const STDERR_TAIL_CHARS = 4000
/** After SIGTERM at the timeout, how long a section has before SIGKILL. */
const KILL_GRACE_MS = 5000

/** Keeps the last `limit` characters written to it. */
const tail = (limit: number) => {
  let text = ""
  return {
    push: (chunk: string) => {
      text = (text + chunk).slice(-limit)
    },
    text: () => text
  }
}

/** The ids a result names that the registry does not list, and the listed ones it lacks, or undefined when they agree. */
export const idMismatch = (section: Section, result: SectionResult): string | undefined => {
  const problems: Array<string> = []
  if (result.section !== section.id) problems.push(`section "${result.section}" (registry: "${section.id}")`)
  const emitted = result.comparisons.map((c) => c.id)
  const undeclared = emitted.filter((id) => !section.comparisons.includes(id))
  const missing = section.comparisons.filter((id) => !emitted.includes(id))
  if (undeclared.length > 0) problems.push(`ids not in the registry: ${undeclared.join(", ")}`)
  if (missing.length > 0) problems.push(`registry ids it did not emit: ${missing.join(", ")}`)
  return problems.length === 0 ? undefined : `${problems.join("; ")} (bench/src/Registry.ts)`
}

interface Exit {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly timedOut: boolean
  readonly stderr: string
}

/** Runs `command args` in its own process group, echoing its output, stopping it after `timeoutMs`. */
const runChild = (command: string, args: ReadonlyArray<string>, env: NodeJS.ProcessEnv, timeoutMs: number) =>
  new Promise<Exit>((resolve) => {
    const child = spawn(command, args, { cwd: REPO_ROOT, env, detached: true, stdio: ["ignore", "pipe", "pipe"] })
    const stderr = tail(STDERR_TAIL_CHARS)
    child.stdout.on("data", (chunk: Buffer) => process.stdout.write(chunk))
    child.stderr.on("data", (chunk: Buffer) => {
      process.stderr.write(chunk)
      stderr.push(chunk.toString("utf8"))
    })
    const signalGroup = (signal: NodeJS.Signals) => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, signal)
      } catch {
        // the group is gone already
      }
    }
    const stopOnInterrupt = () => signalGroup("SIGTERM")
    process.once("SIGINT", stopOnInterrupt)
    let timedOut = false
    let kill: NodeJS.Timeout | undefined
    const timer = setTimeout(() => {
      timedOut = true
      signalGroup("SIGTERM")
      kill = setTimeout(() => signalGroup("SIGKILL"), KILL_GRACE_MS)
    }, timeoutMs)
    child.once("error", (error) => stderr.push(`\n${error.message}`))
    child.once("close", (code, signal) => {
      clearTimeout(timer)
      if (kill !== undefined) clearTimeout(kill)
      process.removeListener("SIGINT", stopOnInterrupt)
      // whatever the section left running in its group (a server it started) goes with it
      signalGroup("SIGKILL")
      resolve({ code, signal, timedOut, stderr: stderr.text() })
    })
  })

const readResult = (file: string): SectionResult | undefined => {
  if (!existsSync(file)) return undefined
  try {
    return JSON.parse(readFileSync(file, "utf8")) as SectionResult
  } catch {
    return undefined
  }
}

/** Runs `section` to its end (or its timeout) and reports what it measured or why it failed. */
export const runSection = async (
  section: Section,
  packages: ReadonlyArray<WorkspacePackage>,
  options: { readonly quick: boolean }
): Promise<SectionOutcome> => {
  const command = commandOf(section)
  const started = performance.now()
  const seconds = () => Math.round((performance.now() - started) / 100) / 10
  const failed = (failure: Failure, extra: Partial<SectionOutcome> = {}): SectionOutcome => ({
    id: section.id,
    command,
    status: "failed",
    durationSeconds: seconds(),
    failure,
    ...extra
  })

  const owner = packageNamed(packages, section.package)
  if (owner?.scripts[section.script] === undefined)
    return failed({
      reason: "missing script",
      message:
        owner === undefined
          ? `no workspace package ${section.package}`
          : `${section.package} (${owner.dir}/package.json) has no "${section.script}" script`
    })

  const dir = mkdtempSync(join(tmpdir(), "memory-turso-bench-"))
  const file = join(dir, "result.json")
  try {
    const env = { ...process.env, [RESULT_FILE_ENV]: file, ...(options.quick ? { [QUICK_ENV]: "1" } : {}) }
    const exit = await runChild(
      "pnpm",
      ["--silent", "--filter", section.package, "run", section.script],
      env,
      section.timeoutSeconds * 1000
    )
    const stderrTail = exit.stderr
    if (exit.timedOut)
      return failed({ reason: "timeout", message: `stopped after ${section.timeoutSeconds} s` }, { stderrTail })
    if (exit.code !== 0)
      return failed(
        {
          reason: "exit",
          message: `exited with ${exit.code === null ? `signal ${exit.signal}` : `code ${exit.code}`}`
        },
        { stderrTail }
      )
    const result = readResult(file)
    if (result === undefined)
      return failed(
        { reason: "no result", message: `exited 0 without writing a result to ${RESULT_FILE_ENV}` },
        { stderrTail }
      )
    const mismatch = idMismatch(section, result)
    if (mismatch !== undefined)
      return failed({ reason: "ids differ from the registry", message: mismatch }, { result, stderrTail })
    return { id: section.id, command, status: "ok", durationSeconds: seconds(), result }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
