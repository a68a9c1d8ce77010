import { spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import * as http from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { createInterface } from "node:readline"
import { MemoryStore } from "@memory-turso/store"
import { afterAll, describe, expect, it } from "vitest"
import { startServer } from "../src/Server.js"
import { configFrom } from "./support/harness.js"

/** The CLI from its sources, workspace packages included (their source export condition): no build needed. */
const FROM_SOURCE = ["--conditions=@memory-turso/source", "--import", "tsx", "src/main.ts"]

const dir = mkdtempSync(join(tmpdir(), "memory-turso-api-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const options = async (name: string) => ({
  port: 0,
  host: "127.0.0.1",
  shutdownGraceMs: 5000,
  storage: MemoryStore.layer(await configFrom({ TURSO_DB_URL: `file:${join(dir, name)}` }))
})

describe("server lifecycle", () => {
  it("finishes in-flight requests on close, then refuses new connections and keeps the data", async () => {
    const server = await startServer(await options("lifecycle.db"))
    const episodes = Array.from({ length: 1000 }, (_, i) => ({
      episode_id: `e${i}`,
      task_description: "x".repeat(200)
    }))
    const body = Buffer.from(JSON.stringify(episodes))
    // Send the headers and half the body, close the server, then send the rest: the request is in flight.
    const request = http.request(`${server.url}/episodes/batch`, {
      method: "POST",
      headers: { "content-type": "application/json", "content-length": body.length }
    })
    const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
      request.on("response", (res) => {
        let text = ""
        res.on("data", (chunk) => {
          text += chunk
        })
        res.on("end", () => resolve({ status: res.statusCode!, body: text }))
      })
      request.on("error", reject)
    })
    await new Promise<void>((resolve) => request.write(body.subarray(0, body.length / 2), () => resolve()))
    await new Promise((resolve) => setTimeout(resolve, 50))
    const closed = server.close()
    request.end(body.subarray(body.length / 2))
    const answered = await response
    expect(answered.status).toBe(200)
    expect(JSON.parse(answered.body).stored).toBe(1000)
    await closed
    await expect(fetch(`${server.url}/health`)).rejects.toThrow()
    const again = await startServer(await options("lifecycle.db"))
    const counts: any = await (await fetch(`${again.url}/db-health`)).json()
    expect(counts.counts.episodes).toBe(1000)
    await again.close()
  }, 30_000)

  it("sets a request id on every response and honours one sent by the client", async () => {
    const server = await startServer(await options("ids.db"))
    const own = await fetch(`${server.url}/health`, { headers: { "x-request-id": "req-123" } })
    expect(own.headers.get("x-request-id")).toBe("req-123")
    const error = await fetch(`${server.url}/nowhere`)
    expect(error.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/)
    await server.close()
  }, 30_000)

  it("the CLI starts on the given database, logs JSON, and exits 0 on SIGTERM", async () => {
    const child = spawn(process.execPath, FROM_SOURCE, {
      cwd: join(import.meta.dirname, ".."),
      env: { ...process.env, PORT: "0", TURSO_DB_URL: `file:${join(dir, "cli.db")}` },
      stdio: ["ignore", "pipe", "pipe"]
    })
    const lines = createInterface({ input: child.stdout! })
    const first = await new Promise<string>((resolve, reject) => {
      lines.on("line", (line) => {
        if (line.includes("memory-turso API listening")) resolve(line)
      })
      child.once("exit", (code) => reject(new Error(`exited early with ${code}`)))
    })
    const started = JSON.parse(first)
    expect(started.message).toBe("memory-turso API listening")
    expect(started).toMatchObject({ logLevel: "INFO", annotations: { url: expect.stringMatching(/^http:/) } })
    const health = await fetch(`${started.annotations.url}/health`)
    expect(health.status).toBe(200)
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve))
    child.kill("SIGTERM")
    expect(await exited).toBe(0)
  }, 20_000)

  it("the CLI refuses a remote URL without a token: exit 2, names the variable, prints no secret", async () => {
    const child = spawn(process.execPath, FROM_SOURCE, {
      cwd: join(import.meta.dirname, ".."),
      env: { ...process.env, PORT: "0", TURSO_DB_URL: "libsql://example.turso.io", TURSO_AUTH_TOKEN: "" },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stderr = ""
    child.stderr!.on("data", (chunk) => {
      stderr += chunk
    })
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve))
    expect(code).toBe(2)
    expect(stderr).toContain("TURSO_AUTH_TOKEN")
  }, 20_000)

  it("the CLI on a port already taken: exit 1 with one FATAL JSON line on stderr, in the shape of every log", async () => {
    const taken = http.createServer()
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve))
    const port = (taken.address() as { port: number }).port
    const child = spawn(process.execPath, FROM_SOURCE, {
      cwd: join(import.meta.dirname, ".."),
      env: { ...process.env, PORT: String(port), HOST: "127.0.0.1", TURSO_DB_URL: `file:${join(dir, "taken.db")}` },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stderr = ""
    child.stderr!.on("data", (chunk) => {
      stderr += chunk
    })
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve))
    taken.close()
    expect(code).toBe(1)
    const lines = stderr.trim().split("\n")
    expect(lines).toHaveLength(1)
    expect(JSON.parse(lines[0]!)).toMatchObject({
      logLevel: "FATAL",
      message: expect.stringContaining("could not start: listen EADDRINUSE"),
      annotations: {}
    })
  }, 20_000)
})
