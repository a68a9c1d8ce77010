import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { MemoryStore } from "@memory-turso/store"
import { startTestServer, type TestServer } from "@memory-turso/testkit"
import * as Effect from "effect/Effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { realisticEpisode } from "../bench/realisticEpisode.js"
import { load } from "../src/config/AppConfig.js"
import { type RunningServer, startServer } from "../src/Server.js"

const SPEC = "/work/shared/spec"
const TOKEN = "your_staging_auth_token_here"
const envStaging = Object.fromEntries(
  readFileSync(join(SPEC, "env.staging"), "utf8")
    .split("\n")
    .filter((line) => /^[A-Z_]+=/.test(line))
    .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)])
)

let db: TestServer
beforeAll(async () => {
  db = await startTestServer({ authToken: TOKEN })
})
afterAll(() => db.destroy())

/** The API from the shared staging.toml and env.staging, unmodified but for the URL (the test server) and flags. */
const api = async (flags: Record<string, string> = {}, file = join(SPEC, "staging.toml")): Promise<RunningServer> => {
  const { config } = await Effect.runPromise(load({ file, env: { ...envStaging, TURSO_DB_URL: db.url, ...flags } }))
  return startServer({
    port: 0,
    host: "127.0.0.1",
    limits: config.limits,
    shutdownGraceMs: 1000,
    storage: MemoryStore.layer(config)
  })
}

const get = async (server: RunningServer, path: string) => (await fetch(`${server.url}${path}`)).json() as Promise<any>

describe("the API over a remote database (test server) from the staging configuration", () => {
  it("starts from staging.toml + env.staging unmodified, with every feature on, and serves", async () => {
    const server = await api()
    try {
      const health = await get(server, "/health")
      expect(health).toMatchObject({
        status: "healthy",
        optimizations: "enabled",
        features: { keepalive: true, compression: true, cache: true, batch_operations: true }
      })
      const episode = realisticEpisode("remote-1", 6000)
      const stored = await fetch(`${server.url}/episodes`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(episode)
      })
      expect(stored.status).toBe(200)
      const metrics = await get(server, "/metrics")
      expect(metrics.pool).toMatchObject({ enabled: true, max: 20 })
      expect(metrics.connection_pool).toEqual(metrics.pool)
      expect(metrics.keepalive).toMatchObject({ enabled: true })
      expect(typeof metrics.keepalive.stale_rate).toBe("number")
      expect(metrics.compression).toMatchObject({ enabled: true, compressed: 1 })
    } finally {
      await server.close()
    }
  })

  it("ENABLE_CACHE=false: every read reaches the database; on: repeated reads do not", async () => {
    // Cache on: the write went through, so all five reads are hits (no request). Off: all five reach the database.
    for (const [flag, expected] of [
      ["true", 0],
      ["false", 5]
    ] as const) {
      const server = await api({ ENABLE_CACHE: flag })
      try {
        const episode = realisticEpisode(`cache-${flag}`, 4000)
        await fetch(`${server.url}/episodes`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(episode)
        })
        const before = db.stats().requests
        for (let i = 0; i < 5; i++) await fetch(`${server.url}/episodes/${episode.episode_id}`).then((r) => r.text())
        expect(db.stats().requests - before).toBe(expected)
        const metrics = await get(server, "/metrics")
        expect(metrics.cache.enabled).toBe(flag === "true")
      } finally {
        await server.close()
      }
    }
  })

  it("ENABLE_COMPRESSION=false sends the payload plain: more bytes reach the database", async () => {
    const sent: Record<string, number> = {}
    for (const flag of ["true", "false"]) {
      const server = await api({ ENABLE_COMPRESSION: flag })
      try {
        const episode = realisticEpisode(`compression-${flag}`, 16_000)
        const before = db.stats().bytes_received
        await fetch(`${server.url}/episodes`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(episode)
        })
        sent[flag] = db.stats().bytes_received - before
        expect((await get(server, "/health")).features.compression).toBe(flag === "true")
      } finally {
        await server.close()
      }
    }
    expect(sent["true"]!).toBeLessThan(sent["false"]! * 0.8)
  })

  it("keep-alive on: idle connections are pinged (the database sees requests while the API is idle); off: none", async () => {
    const dir = mkdtempSync(join(tmpdir(), "memory-turso-keepalive-"))
    const file = join(dir, "fast-pings.toml")
    writeFileSync(
      file,
      // the change feed's own reads (measured by bench:coherence) kept out of the count: only keep-alive's
      `${readFileSync(join(SPEC, "staging.toml"), "utf8")}`
        .replace("interval_secs = 30", "interval_secs = 0.2")
        .replace("[cache]\n", "[cache]\ncoherence_interval_ms = 3600000\nmax_staleness_ms = 3600000\n")
    )
    const idleRequests: Record<string, number> = {}
    for (const flag of ["true", "false"]) {
      const server = await api({ ENABLE_KEEPALIVE: flag }, file)
      try {
        await fetch(`${server.url}/db-health`).then((r) => r.text())
        const before = db.stats().requests
        await new Promise((resolve) => setTimeout(resolve, 1200))
        idleRequests[flag] = db.stats().requests - before
        const metrics = await get(server, "/metrics")
        if (flag === "true") expect(metrics.keepalive.pings).toBeGreaterThan(0)
        else expect(metrics.keepalive).toEqual({ enabled: false })
      } finally {
        await server.close()
      }
    }
    rmSync(dir, { recursive: true, force: true })
    expect(idleRequests["true"]).toBeGreaterThan(0)
    expect(idleRequests["false"]).toBe(0)
  })

  it("ENABLE_KEEPALIVE=false: no keep-alive layer, reported as disabled; still serves", async () => {
    const server = await api({ ENABLE_KEEPALIVE: "false" })
    try {
      const health = await get(server, "/health")
      expect(health.features.keepalive).toBe(false)
      expect((await get(server, "/metrics")).keepalive).toEqual({ enabled: false })
      const episode = realisticEpisode("keepalive-off", 2000)
      expect(
        (
          await fetch(`${server.url}/episodes`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify(episode)
          })
        ).status
      ).toBe(200)
    } finally {
      await server.close()
    }
  })

  it("ENABLE_OPTIMIZATIONS=false turns them all off; a wrong token stops start-up without printing the token", async () => {
    const server = await api({ ENABLE_OPTIMIZATIONS: "false" })
    try {
      expect((await get(server, "/health")).features).toEqual({
        keepalive: false,
        compression: false,
        cache: false,
        prepared_statements: false,
        batch_operations: true
      })
    } finally {
      await server.close()
    }
    await expect(api({ TURSO_AUTH_TOKEN: "wrong-token-xyz" })).rejects.toSatisfy(
      (error: unknown) => !String(error).includes("wrong-token-xyz")
    )
  })
})
