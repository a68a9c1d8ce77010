/**
 * The built API (`apps/api/dist/main.js`) as a child process: a generated TOML configuration with a token of its
 * own, a minimal environment (nothing of the caller's configuration leaks in), its log kept in a file.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { createHash, randomBytes } from "node:crypto"
import { createWriteStream, existsSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { createInterface } from "node:readline"
import { stringify } from "smol-toml"

export const repoRoot = join(import.meta.dirname, "..", "..", "..")
export const builtApi = join(repoRoot, "apps", "api", "dist", "main.js")

/** The namespace every check works in (the token's default). */
export const NAMESPACE = "reliability"

type TomlValue = string | number | boolean | ReadonlyArray<string>
/** Configuration sections over the suite's defaults: `{ connection_pool: { max_connections: 4 } }`. */
export type Sections = Readonly<Record<string, Readonly<Record<string, TomlValue>>>>

/** How to start one API. */
export interface ApiOptions {
  /** Folder for the configuration file and the log. */
  readonly workDir: string
  /** A label for the files: `outage` writes `outage.toml` and `outage.log`. */
  readonly label: string
  /** `file:...` (embedded) or the test server's `http://...`. */
  readonly databaseUrl: string
  /** The remote database's token, passed as `TURSO_AUTH_TOKEN`. */
  readonly databaseToken?: string
  readonly sections?: Sections
}

/** A started API. */
export interface RunningApi {
  readonly url: string
  /** The bearer token its configuration accepts (read, write, admin, metrics in `reliability`). */
  readonly token: string
  readonly pid: number
  /** SIGTERM, and the exit code once it has exited. */
  readonly stop: () => Promise<number | null>
  /** SIGKILL: no shutdown of any kind. Resolves once the process is gone. */
  readonly kill: () => Promise<void>
  /** The last lines of its log (for a failure's reason). */
  readonly logTail: () => string
}

/** The suite's configuration: loopback on a free port, quiet logs, one token. Sections given override it. */
const configuration = (databaseUrl: string, tokenHash: string, sections: Sections = {}) => {
  const base: Record<string, Record<string, TomlValue>> = {
    server: { host: "127.0.0.1", port: 0, shutdown_grace_ms: 2000 },
    database: { url: databaseUrl },
    monitoring: { enabled: false, log_level: "warn" }
  }
  for (const [name, keys] of Object.entries(sections)) base[name] = { ...base[name], ...keys }
  return {
    ...base,
    auth: {
      tokens: [
        {
          name: "reliability",
          sha256: tokenHash,
          scopes: ["read", "write", "admin", "metrics"],
          namespaces: [NAMESPACE, `${NAMESPACE}-*`]
        }
      ]
    }
  }
}

/** Only what node needs to run: none of the caller's configuration variables reach the API. */
const minimalEnv = (extra: Record<string, string>): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {}
  for (const key of ["PATH", "HOME", "TMPDIR", "LANG", "SYSTEMROOT"]) {
    const value = process.env[key]
    if (value !== undefined) env[key] = value
  }
  return { ...env, ...extra }
}

const tail = (path: string, lines = 5): string => {
  try {
    return readFileSync(path, "utf8").trimEnd().split("\n").slice(-lines).join("\n")
  } catch {
    return ""
  }
}

/** Starts the built API and resolves once it logs that it listens (rejects if it exits first or takes > 60 s). */
export const startApi = async (options: ApiOptions): Promise<RunningApi> => {
  if (!existsSync(builtApi)) throw new Error(`${builtApi} is missing: run pnpm build first`)
  const token = randomBytes(24).toString("hex")
  const hash = createHash("sha256").update(token).digest("hex")
  const configFile = join(options.workDir, `${options.label}.toml`)
  const logFile = join(options.workDir, `${options.label}.log`)
  writeFileSync(configFile, stringify(configuration(options.databaseUrl, hash, options.sections)))
  const child: ChildProcess = spawn(process.execPath, [builtApi, "--config", configFile], {
    cwd: options.workDir,
    env: minimalEnv(options.databaseToken === undefined ? {} : { TURSO_AUTH_TOKEN: options.databaseToken }),
    stdio: ["ignore", "pipe", "pipe"]
  })
  const log = createWriteStream(logFile, { flags: "a" })
  child.stderr!.pipe(log, { end: false })
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
  const gone = () => child.exitCode !== null || child.signalCode !== null
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      reject(new Error(`the API did not listen within 60 s: ${tail(logFile)}`))
    }, 60_000)
    createInterface({ input: child.stdout! }).on("line", (line) => {
      log.write(`${line}\n`)
      try {
        const parsed = JSON.parse(line) as { message?: string; annotations?: { url?: string } }
        if (parsed.message === "memory-turso API listening" && parsed.annotations?.url !== undefined) {
          clearTimeout(timer)
          resolve(parsed.annotations.url)
        }
      } catch {
        // not a log line of ours: kept in the log file only
      }
    })
    void exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`the API exited with ${code} before listening: ${tail(logFile)}`))
    })
  })
  return {
    url,
    token,
    pid: child.pid!,
    stop: () => {
      if (!gone()) child.kill("SIGTERM")
      return exited
    },
    kill: async () => {
      if (!gone()) child.kill("SIGKILL")
      await exited
    },
    logTail: () => tail(logFile)
  }
}
