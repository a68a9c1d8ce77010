import { type ChildProcess, spawn } from "node:child_process"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { createInterface } from "node:readline"

const API_DIR = join(import.meta.dirname, "..")

/** A child process serving HTTP, with the URL it printed. */
export interface Served {
  readonly url: string
  /** The child's process id (its CPU time is in /proc/<pid>/stat, see `cpuSeconds`; its RSS in /proc/<pid>/status). */
  readonly pid: number
  readonly stop: () => Promise<void>
}

const started = (child: ChildProcess, match: (line: string) => string | undefined): Promise<Served> =>
  new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! })
    lines.on("line", (line) => {
      const url = match(line)
      if (url !== undefined)
        resolve({
          url,
          pid: child.pid!,
          stop: () =>
            new Promise<void>((done) => {
              child.once("exit", () => done())
              child.kill("SIGTERM")
            })
        })
    })
    child.stderr!.on("data", (chunk) => process.stderr.write(chunk))
    child.once("exit", (code) => reject(new Error(`server exited with ${code} before listening`)))
  })

/** The API's "listening" log line gives its URL. */
const listening = (line: string) =>
  line.includes("memory-turso API listening") ? (JSON.parse(line).annotations.url as string) : undefined

/**
 * `BENCH_CPU_PROF=<dir>`: the API child writes a CPU profile there when it exits (`node --cpu-prof`), sampled every
 * `BENCH_CPU_PROF_INTERVAL` microseconds (node's default: 1000).
 */
const profiling = (): ReadonlyArray<string> => {
  const dir = process.env["BENCH_CPU_PROF"]
  const interval = process.env["BENCH_CPU_PROF_INTERVAL"]
  if (dir === undefined || dir === "") return []
  return ["--cpu-prof", `--cpu-prof-dir=${dir}`, ...(interval ? [`--cpu-prof-interval=${interval}`] : [])]
}

/** The API as a child process (`args` after node), quiet, on a free port. */
const spawnApi = (args: ReadonlyArray<string>, env: Record<string, string>) =>
  spawn(process.execPath, [...profiling(), ...args], {
    cwd: API_DIR,
    env: { ...process.env, PORT: "0", LOG_LEVEL: "warn", METRICS_ENABLED: "false", ...env },
    stdio: ["ignore", "pipe", "pipe"]
  })

/** Starts the API from its sources (its own process, one core) with the given environment. */
export const startApi = (env: Record<string, string>): Promise<Served> =>
  started(spawnApi(["--conditions=@memory-turso/source", "--import", "tsx", "src/main.ts"], env), listening)

/**
 * The node flags the API is deployed with: those between `node` and `dist/main.js` in the `CMD` of
 * `apps/api/Dockerfile` (its heap limit), so a benchmark of the built API runs it as deployed.
 */
export const deployedNodeFlags = (): ReadonlyArray<string> => {
  const dockerfile = readFileSync(join(API_DIR, "Dockerfile"), "utf8")
  const cmd = /^CMD (\[.*\])$/m.exec(dockerfile)
  const args = cmd === null ? [] : (JSON.parse(cmd[1]!) as Array<string>)
  if (args[0] !== "node" || args.at(-1) !== "dist/main.js") {
    throw new Error(`apps/api/Dockerfile: expected CMD ["node", ...flags, "dist/main.js"], found ${cmd?.[1]}`)
  }
  return args.slice(1, -1)
}

/**
 * Starts the built API (`dist/main.js`: `pnpm build` first) with the given environment, as deployed: with the node
 * flags of the Dockerfile's `CMD` (see `deployedNodeFlags`).
 */
export const startBuiltApi = (env: Record<string, string>): Promise<Served> =>
  started(spawnApi([...deployedNodeFlags(), join(API_DIR, "dist", "main.js")], env), listening)

/** Builds the API and the packages it depends on (`turbo run build`), its output on this process's. */
export const buildApi = (): Promise<void> =>
  new Promise((resolve, reject) => {
    const build = spawn(
      "pnpm",
      ["turbo", "run", "build", "--filter=@memory-turso/api...", "--output-logs=errors-only"],
      {
        cwd: API_DIR,
        stdio: ["ignore", "inherit", "inherit"]
      }
    )
    build.once("error", reject)
    build.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`the API's build exited with ${code}`))))
  })

/** Starts bare node:http serving `body` (its own process). */
export const startBare = (body: string): Promise<Served> =>
  started(
    spawn(process.execPath, ["--import", "tsx", join(import.meta.dirname, "bareServer.ts")], {
      env: { ...process.env, BODY: body },
      stdio: ["ignore", "pipe", "pipe"]
    }),
    (line) => (line.startsWith("http://") ? line.trim() : undefined)
  )

/** CPU seconds (user + system) a process has used so far, from /proc (Linux); NaN elsewhere. */
export const cpuSeconds = (pid: number): number => {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")
    // after the command: state is field 3, utime field 14, stime field 15 (clock ticks, 100 per second)
    return (Number(fields[11]) + Number(fields[12])) / 100
  } catch {
    return Number.NaN
  }
}
