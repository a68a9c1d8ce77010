import { type ChildProcess, spawn } from "node:child_process"
import { createHash } from "node:crypto"
import { once } from "node:events"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { createInterface } from "node:readline"
import { afterAll, beforeAll, expect } from "@effect/vitest"
import { ApiError } from "../../src/index.js"

/** The repository root: the API runs from its sources there. */
export const repoRoot = resolve(import.meta.dirname, "../../../..")

/** A token the API is started with: the test keeps the secret, the API gets its SHA-256. */
export interface Token {
  readonly name: string
  readonly secret: string
  readonly scopes: ReadonlyArray<"read" | "write" | "admin" | "metrics">
  readonly namespaces: ReadonlyArray<string>
}

/** What to start the API with: tokens (`AUTH_TOKENS_FILE`) and a TOML configuration (`CONFIG_FILE`). */
export interface ApiSetup {
  readonly tokens?: ReadonlyArray<Token>
  readonly config?: string
}

/** The real API, running. */
export interface RunningApi {
  readonly url: string
  /** SIGTERM; resolves with the exit code. */
  readonly stop: () => Promise<number | null>
}

const toml = (value: string | ReadonlyArray<string>) => JSON.stringify(value)

const tokensFile = (tokens: ReadonlyArray<Token>) =>
  tokens
    .map((t) =>
      [
        "[[tokens]]",
        `name = ${toml(t.name)}`,
        `sha256 = ${toml(createHash("sha256").update(t.secret).digest("hex"))}`,
        `scopes = ${toml(t.scopes)}`,
        `namespaces = ${toml(t.namespaces)}`
      ].join("\n")
    )
    .join("\n\n")

/** The URL in the API's "memory-turso API listening" log line, or undefined for any other line. */
const listeningUrl = (line: string): string | undefined => {
  try {
    const entry = JSON.parse(line) as { message?: unknown; annotations?: { url?: unknown } }
    return entry.message === "memory-turso API listening" && typeof entry.annotations?.url === "string"
      ? entry.annotations.url
      : undefined
  } catch {
    return undefined
  }
}

/**
 * Starts `apps/api/src/main.ts` from its sources on a free port, with an embedded database in a fresh temporary
 * directory, and resolves once it logs that it listens.
 */
export const startApi = async (setup: ApiSetup = {}): Promise<RunningApi> => {
  const dir = mkdtempSync(join(tmpdir(), "client-api-"))
  const env: Record<string, string> = { PORT: "0", HOST: "127.0.0.1", TURSO_DB_URL: `file:${join(dir, "memory.db")}` }
  if (setup.tokens !== undefined) {
    env["AUTH_TOKENS_FILE"] = join(dir, "tokens.toml")
    writeFileSync(env["AUTH_TOKENS_FILE"], tokensFile(setup.tokens))
  }
  if (setup.config !== undefined) {
    env["CONFIG_FILE"] = join(dir, "config.toml")
    writeFileSync(env["CONFIG_FILE"], setup.config)
  }
  const child: ChildProcess = spawn(
    process.execPath,
    ["--conditions=@memory-turso/source", "--import", "tsx", "apps/api/src/main.ts"],
    { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] }
  )
  const exited = once(child, "exit").then(([code]) => code as number | null)
  let log = ""
  child.stderr!.on("data", (chunk) => {
    log += chunk
  })
  const lines = createInterface({ input: child.stdout! })
  const url = await new Promise<string>((found, failed) => {
    lines.on("line", (line) => {
      log += `${line}\n`
      const listening = listeningUrl(line)
      if (listening !== undefined) found(listening)
    })
    void exited.then((code) => failed(new Error(`the API exited with ${code} before listening:\n${log}`)))
  })
  return {
    url,
    stop: async () => {
      child.kill("SIGTERM")
      const code = await exited
      rmSync(dir, { recursive: true, force: true })
      return code
    }
  }
}

/** One API for the test file: started before its tests, stopped after them. */
export const useApi = (setup: ApiSetup = {}): (() => RunningApi) => {
  let api: RunningApi | undefined
  beforeAll(async () => {
    api = await startApi(setup)
  }, 60_000)
  afterAll(async () => {
    await api?.stop()
  })
  return () => {
    if (api === undefined) throw new Error("the API has not started")
    return api
  }
}

/** The ApiError a call rejects with (the test fails if it resolves or rejects with anything else). */
export const apiError = async (call: Promise<unknown>): Promise<ApiError> => {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e
  )
  expect(error).toBeInstanceOf(ApiError)
  return error as ApiError
}
