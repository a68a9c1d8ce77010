import { type ChildProcess, spawn } from "node:child_process"
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, relative } from "node:path"
import { createInterface } from "node:readline"
import { afterAll, describe, expect, it } from "vitest"

// The deployment folder as an operator gets it (and as apps/api/Dockerfile makes it): `pnpm deploy` of the built
// API into a directory outside the repository, started there with plain node. Needs `pnpm build` first (`pnpm test`
// builds).

const repoRoot = join(import.meta.dirname, "..", "..", "..")
const work = mkdtempSync(join(tmpdir(), "memory-turso-deploy-"))
const app = join(work, "app")
let api: ChildProcess | undefined
afterAll(() => {
  api?.kill("SIGKILL")
  rmSync(work, { recursive: true, force: true })
})

/** The pnpm running this test (`pnpm test` sets npm_execpath), else the one on PATH. */
const pnpm = (args: ReadonlyArray<string>) => {
  const execPath = process.env["npm_execpath"]
  return execPath !== undefined && /pnpm/.test(execPath)
    ? spawn(process.execPath, [execPath, ...args], { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] })
    : spawn("pnpm", args, { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] })
}

const run = (child: ChildProcess) =>
  new Promise<{ code: number | null; output: string }>((resolve) => {
    let output = ""
    child.stdout!.on("data", (d) => (output += d))
    child.stderr!.on("data", (d) => (output += d))
    child.once("exit", (code) => resolve({ code, output }))
  })

/** Package directories in the folder's virtual store whose name starts with `prefix`. */
const stored = (prefix: string) => readdirSync(join(app, "node_modules", ".pnpm")).filter((n) => n.startsWith(prefix))

/** The folder's copy of the workspace package `name`. */
const workspacePackage = (name: string) =>
  join(app, "node_modules", ".pnpm", stored(`@memory-turso+${name}@`)[0]!, "node_modules", "@memory-turso", name)

describe("the deployment folder", () => {
  it("is self-contained: built packages, the native libSQL binary, no tsx; it serves and stops cleanly", async () => {
    expect(relative(repoRoot, work).startsWith("..")).toBe(true)
    const deploy = await run(pnpm(["--filter", "@memory-turso/api", "deploy", "--prod", app]))
    expect(deploy.code, deploy.output).toBe(0)

    expect(existsSync(join(app, "dist", "main.js")), "dist/main.js").toBe(true)
    expect(existsSync(join(app, "src"))).toBe(false)
    // Production dependencies only: no tsx, TypeScript or test server anywhere in the folder.
    expect([...stored("tsx@"), ...stored("typescript@"), ...stored("@memory-turso+testkit@")]).toEqual([])
    expect(existsSync(join(app, "node_modules", "tsx"))).toBe(false)
    // Every workspace package the API needs, in its built form.
    const workspace = stored("@memory-turso+").map((n) => n.slice("@memory-turso+".length, n.indexOf("@", 1)))
    expect(workspace.sort()).toEqual(["cache", "compression", "keepalive", "model", "pool", "storage-core", "store"])
    for (const name of workspace) {
      expect(existsSync(join(workspacePackage(name), "dist", "index.js")), `${name}/dist/index.js`).toBe(true)
    }
    // libsql's prebuilt binary (an optional dependency) for this platform.
    expect(stored(`@libsql+${process.platform}-${process.arch}`).length).toBeGreaterThan(0)

    // Plain node, no flags (so no --import/--loader), no NODE_OPTIONS: nothing but the folder is loaded.
    const main = join(app, "dist", "main.js")
    api = spawn(process.execPath, [main], {
      cwd: app,
      env: {
        PATH: process.env["PATH"] ?? "",
        PORT: "0",
        HOST: "127.0.0.1",
        TURSO_DB_URL: `file:${join(work, "memory.db")}`
      },
      stdio: ["ignore", "pipe", "pipe"]
    })
    expect(api.spawnargs).toEqual([process.execPath, main])
    let stderr = ""
    api.stderr!.on("data", (d) => (stderr += d))
    const exited = new Promise<number | null>((resolve) => api!.once("exit", resolve))
    const url = await new Promise<string>((resolve, reject) => {
      // Every log line is one JSON object (see ci.sh, which reads the same line).
      createInterface({ input: api!.stdout! }).on("line", (line) => {
        const parsed = JSON.parse(line) as { message?: string; annotations?: { url?: string } }
        if (parsed.message === "memory-turso API listening" && parsed.annotations?.url) resolve(parsed.annotations.url)
      })
      void exited.then((code) => reject(new Error(`the API exited with ${code} before listening:\n${stderr}`)))
    })

    const ready = await fetch(`${url}/readyz`)
    expect(ready.status).toBe(200)
    expect(await ready.json()).toEqual({ status: "ready" })
    expect((await fetch(`${url}/livez`)).status).toBe(200)
    const health = await fetch(`${url}/health`)
    expect(await health.json()).toMatchObject({ status: "healthy" })

    const created = await fetch(`${url}/episodes`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ task_description: "x" })
    })
    expect(created.status).toBe(200)
    const episode = (await created.json()) as { episode_id: string; task_description: string }
    expect(episode.task_description).toBe("x")
    const read = await fetch(`${url}/episodes/${encodeURIComponent(episode.episode_id)}`)
    expect(read.status).toBe(200)
    expect(await read.json()).toMatchObject({ episode_id: episode.episode_id, task_description: "x" })

    api.kill("SIGTERM")
    expect(await exited).toBe(0)
  }, 180_000)
})
