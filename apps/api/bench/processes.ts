import { type ChildProcess, spawn } from "node:child_process"
import { join } from "node:path"
import { createInterface } from "node:readline"

const API_DIR = join(import.meta.dirname, "..")

/** A child process serving HTTP, with the URL it printed. */
export interface Served {
  readonly url: string
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

/** Starts the API (its own process, one core) with the given environment. */
export const startApi = (env: Record<string, string>): Promise<Served> =>
  started(
    spawn(process.execPath, ["--conditions=@memory-turso/source", "--import", "tsx", "src/main.ts"], {
      cwd: API_DIR,
      env: { ...process.env, PORT: "0", LOG_LEVEL: "warn", METRICS_ENABLED: "false", ...env },
      stdio: ["ignore", "pipe", "pipe"]
    }),
    (line) => (line.includes("memory-turso API listening") ? (JSON.parse(line).annotations.url as string) : undefined)
  )

/** Starts bare node:http serving `body` (its own process). */
export const startBare = (body: string): Promise<Served> =>
  started(
    spawn(process.execPath, ["--import", "tsx", join(import.meta.dirname, "bareServer.ts")], {
      env: { ...process.env, BODY: body },
      stdio: ["ignore", "pipe", "pipe"]
    }),
    (line) => (line.startsWith("http://") ? line.trim() : undefined)
  )
