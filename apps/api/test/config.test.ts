import { readFileSync } from "node:fs"
import { join } from "node:path"
import * as Effect from "effect/Effect"
import { describe, expect, it } from "vitest"
import { load, redacted } from "../src/config/AppConfig.js"

const SPEC = "/work/shared/spec"
const staging = join(SPEC, "staging.toml")
const envStaging = Object.fromEntries(
  readFileSync(join(SPEC, "env.staging"), "utf8")
    .split("\n")
    .filter((line) => /^[A-Z_]+=/.test(line))
    .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)])
)

const run = (file: string | undefined, env: Record<string, string>) =>
  Effect.runPromise(Effect.either(load({ file, env })))

describe("configuration", () => {
  it("no file and no environment: every default, the embedded database", async () => {
    const result = await run(undefined, {})
    if (result._tag === "Left") throw result.left
    expect(result.right.config.database.url).toBe("file:./data/memory.db")
    expect(result.right.config.cache.max_episodes).toBe(10000)
    expect(result.right.config.compression.threshold_bytes).toBe(1024)
    expect(result.right.config.server.port).toBe(3000)
  })

  it("the shared staging.toml and env.staging load unmodified; secrets are redacted", async () => {
    const result = await run(staging, envStaging)
    if (result._tag === "Left") throw result.left
    const { config, origins, warnings } = result.right
    expect(config.database.url).toBe("libsql://your-staging-db.turso.io")
    expect(config.monitoring.log_level).toBe("debug")
    expect(origins.get("monitoring.log_level")).toBe("RUST_LOG")
    expect(config.cache.max_patterns).toBe(5000)
    expect(warnings.some((w) => w.startsWith("compression.compress_embeddings"))).toBe(true)
    const printed = redacted(config)
    expect(printed).not.toContain("your_staging_auth_token_here")
    expect(printed).toContain("<redacted>")
  })

  it("the environment overrides the file; ENABLE_OPTIMIZATIONS=false turns the optional layers off", async () => {
    const result = await run(staging, { ...envStaging, ENABLE_CACHE: "false", CACHE_SIZE_EPISODES: "42" })
    if (result._tag === "Left") throw result.left
    expect(result.right.config.cache.enabled).toBe(false)
    expect(result.right.config.cache.max_episodes).toBe(42)
    const off = await run(staging, { ...envStaging, ENABLE_OPTIMIZATIONS: "false" })
    if (off._tag === "Left") throw off.left
    expect(off.right.config.compression.enabled).toBe(false)
    expect(off.right.config.cache.enabled).toBe(false)
  })

  it("unknown sections and keys are warnings, not silently ignored", async () => {
    const dir = (await import("node:fs")).mkdtempSync(join((await import("node:os")).tmpdir(), "cfg-"))
    const file = join(dir, "c.toml")
    ;(await import("node:fs")).writeFileSync(file, "[cache]\nmax_episodez = 3\n[mystery]\nx = 1\n")
    const result = await run(file, {})
    if (result._tag === "Left") throw result.left
    expect(result.right.warnings).toEqual(
      expect.arrayContaining(["cache.max_episodez: unknown key (ignored)", "[mystery]: unknown section (ignored)"])
    )
  })
})
