import { spawn } from "node:child_process"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import { program } from "../../src/Cli.js"
import { validatorDir } from "./apiProcess.js"

/** What one validator invocation printed and answered. */
export interface CliResult {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

const text = (args: ReadonlyArray<unknown>) => args.map((a) => (typeof a === "string" ? a : String(a))).join(" ")

/** A Console that records `log` (stdout) and `error` (stderr) lines. */
const capture = () => {
  const out: Array<string> = []
  const err: Array<string> = []
  const unsafe: Console.UnsafeConsole = {
    ...globalThis.console,
    log: (...args: Array<unknown>) => void out.push(text(args)),
    info: (...args: Array<unknown>) => void out.push(text(args)),
    error: (...args: Array<unknown>) => void err.push(text(args)),
    warn: (...args: Array<unknown>) => void err.push(text(args))
  }
  const lift =
    (f: (...args: Array<any>) => void) =>
    (...args: Array<any>) =>
      Effect.sync(() => f(...args))
  const console: Console.Console = {
    [Console.TypeId]: Console.TypeId,
    unsafe,
    assert: lift(unsafe.assert),
    clear: Effect.void,
    count: lift(unsafe.count),
    countReset: lift(unsafe.countReset),
    debug: lift(unsafe.debug),
    dir: lift(unsafe.dir),
    dirxml: lift(unsafe.dirxml),
    error: lift(unsafe.error),
    group: () => Effect.void,
    groupEnd: Effect.void,
    info: lift(unsafe.info),
    log: lift(unsafe.log),
    table: lift(unsafe.table),
    time: lift(unsafe.time),
    timeEnd: lift(unsafe.timeEnd),
    timeLog: lift(unsafe.timeLog),
    trace: lift(unsafe.trace),
    warn: lift(unsafe.warn)
  }
  return { console, out, err }
}

/** Runs the CLI in this process (same code path as the binary, minus process exit) with `args` after the script. */
export const runCli = async (args: ReadonlyArray<string>): Promise<CliResult> => {
  const { console, out, err } = capture()
  const code = await Effect.runPromise(
    program(["node", "validator", ...args]).pipe(Effect.withConsole(console), Effect.provide(NodeContext.layer))
  )
  return { code, stdout: out.join("\n"), stderr: err.join("\n") }
}

/** Node's arguments that run the validator from its sources (workspace packages from theirs too). */
export const FROM_SOURCES = ["--conditions=@memory-turso/source", "--import", "tsx", "src/main.ts"] as const

/**
 * Runs the real binary as a child process: from its sources (`node --import tsx src/main.ts`), or whatever `entry`
 * names (the built bin with plain node).
 */
export const spawnCli = (
  args: ReadonlyArray<string>,
  env: Record<string, string> = {},
  entry: ReadonlyArray<string> = FROM_SOURCES
): Promise<CliResult> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...entry, ...args], {
      cwd: validatorDir,
      env: { ...process.env, NO_COLOR: "1", ...env },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d) => {
      stdout += d
    })
    child.stderr.on("data", (d) => {
      stderr += d
    })
    child.once("error", reject)
    child.once("exit", (code) => resolve({ code: code ?? -1, stdout, stderr }))
  })
