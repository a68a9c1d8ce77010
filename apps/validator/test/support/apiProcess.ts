import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { createInterface } from "node:readline"

/** The validator package directory and the repository root. */
export const validatorDir = resolve(import.meta.dirname, "../..")
export const repoRoot = resolve(validatorDir, "../..")

/** The real API (`apps/api/src/main.ts`) as a child process on a free port. */
export interface ApiProcess {
  readonly url: string
  readonly output: () => string
  /** SIGTERM, then the exit code. */
  readonly stop: () => Promise<number | null>
}

/**
 * Starts the API with `PORT=0` and `env` (by default an embedded database in a fresh temp dir) and waits for its
 * "listening" line.
 */
export const startApi = async (env: Record<string, string> = {}): Promise<ApiProcess> => {
  const dir = mkdtempSync(join(tmpdir(), "validator-api-"))
  const child: ChildProcess = spawn(
    process.execPath,
    ["--conditions=@memory-turso/source", "--import", "tsx", "apps/api/src/main.ts"],
    {
      cwd: repoRoot,
      env: { ...process.env, PORT: "0", HOST: "127.0.0.1", TURSO_DB_URL: `file:${join(dir, "memory.db")}`, ...env },
      stdio: ["ignore", "pipe", "pipe"]
    }
  )
  let output = ""
  child.stderr!.on("data", (d) => {
    output += d
  })
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)))
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`the API did not start:\n${output}`)), 60_000)
    createInterface({ input: child.stdout! }).on("line", (line) => {
      output += `${line}\n`
      try {
        const parsed = JSON.parse(line) as { message?: string; annotations?: { url?: string } }
        const url = parsed.annotations?.url
        if (parsed.message === "memory-turso API listening" && url) {
          clearTimeout(timer)
          resolveUrl(url)
        }
      } catch {}
    })
    void exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`the API exited with ${code}:\n${output}`))
    })
  })
  return {
    url,
    output: () => output,
    stop: async () => {
      child.kill("SIGTERM")
      const code = await exited
      rmSync(dir, { recursive: true, force: true })
      return code
    }
  }
}
