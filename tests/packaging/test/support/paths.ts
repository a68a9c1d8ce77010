import { type ChildProcess, spawn } from "node:child_process"
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { createInterface } from "node:readline"

export const repoRoot = join(import.meta.dirname, "..", "..", "..", "..")

/** A workspace package that is published: `private` is not set in its package.json. */
export interface Publishable {
  /** `@memory-turso/<short>` */
  readonly name: string
  /** Its folder name under `packages/`, and the name of its example under `examples/`. */
  readonly short: string
  readonly dir: string
}

/** Every publishable package under `packages/`, by name (a new package is picked up by being there, not private). */
export const publishable = (): ReadonlyArray<Publishable> =>
  readdirSync(join(repoRoot, "packages"))
    .map((short) => ({ short, dir: join(repoRoot, "packages", short) }))
    .filter(({ dir }) => existsSync(join(dir, "package.json")))
    .map(({ short, dir }) => ({ short, dir, manifest: JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) }))
    .filter(({ manifest }) => manifest.private !== true)
    .map(({ short, dir, manifest }) => ({ name: manifest.name as string, short, dir }))
    .sort((a, b) => a.name.localeCompare(b.name))

/**
 * This process's environment without what a package manager or a test runner put there: no `npm_*` settings from
 * the pnpm running `pnpm test`, no NODE_OPTIONS (which could carry `--conditions` or `--import`).
 */
export const plainEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^npm_/i.test(key) && key !== "NODE_OPTIONS") env[key] = value
  }
  return { ...env, ...extra }
}

export interface Finished {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
  /** The command line, as started. */
  readonly command: ReadonlyArray<string>
}

/** Runs a command to its end and collects its output (never rejects: callers assert on `code`). */
export const exec = (
  file: string,
  args: ReadonlyArray<string>,
  options: { readonly cwd: string; readonly env?: NodeJS.ProcessEnv }
): Promise<Finished> =>
  new Promise((resolve) => {
    const child = spawn(file, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: "pipe" })
    const out: Array<Buffer> = []
    const err: Array<Buffer> = []
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk))
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk))
    const finish = (code: number | null, failure = "") =>
      resolve({
        code,
        stdout: Buffer.concat(out).toString(),
        stderr: Buffer.concat(err).toString() + failure,
        command: child.spawnargs
      })
    child.once("error", (error) => finish(null, `\n${error.message}`))
    child.once("close", (code) => finish(code))
  })

/** A readable failure message: the command line and what it printed. */
export const described = (result: Finished): string =>
  `${result.command.join(" ")} exited with ${result.code}\n${result.stdout}\n${result.stderr}`

/** `pnpm <args>` with the pnpm running this test (`pnpm test` sets npm_execpath), else the one on PATH. */
export const pnpm = (args: ReadonlyArray<string>, cwd: string): Promise<Finished> => {
  const execPath = process.env["npm_execpath"]
  return execPath !== undefined && /pnpm/.test(execPath)
    ? exec(process.execPath, [execPath, ...args], { cwd })
    : exec("pnpm", args, { cwd })
}

/** The built API (`apps/api/dist/main.js`) started with plain node on a free port. */
export interface RunningApi {
  readonly url: string
  /** SIGTERM, and the exit code. */
  readonly stop: () => Promise<number | null>
}

/** Starts the built API on `databaseUrl` and waits for its "listening" log line (needs `pnpm build`). */
export const startApi = (databaseUrl: string): Promise<RunningApi> => {
  const api: ChildProcess = spawn(process.execPath, [join(repoRoot, "apps", "api", "dist", "main.js")], {
    cwd: repoRoot,
    env: plainEnv({ PORT: "0", HOST: "127.0.0.1", TURSO_DB_URL: databaseUrl }),
    stdio: ["ignore", "pipe", "pipe"]
  })
  let stderr = ""
  api.stderr!.on("data", (chunk) => (stderr += chunk))
  const exited = new Promise<number | null>((resolve) => api.once("exit", resolve))
  return new Promise((resolve, reject) => {
    // Every log line of the API is one JSON object; the URL is in the "listening" line's annotations.
    createInterface({ input: api.stdout! }).on("line", (line) => {
      const parsed = JSON.parse(line) as { message?: string; annotations?: { url?: string } }
      if (parsed.message !== "memory-turso API listening" || parsed.annotations?.url === undefined) return
      resolve({ url: parsed.annotations.url, stop: () => (api.kill("SIGTERM") ? exited : Promise.resolve(null)) })
    })
    void exited.then((code) => reject(new Error(`the API exited with ${code} before listening:\n${stderr}`)))
  })
}
