import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { CompressionSection } from "@memory-turso/store"
import * as Effect from "effect/Effect"
import { describe, expect, it } from "vitest"
import { load, redacted } from "../src/config/AppConfig.js"
import { DEFAULT_LIMITS } from "../src/config/LimitsSection.js"

const SPEC = "/work/shared/spec"
const staging = join(SPEC, "staging.toml")
const envStaging = Object.fromEntries(
  readFileSync(join(SPEC, "env.staging"), "utf8")
    .split("\n")
    .filter((line) => /^[A-Z_]+=/.test(line))
    .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)])
)

const scratch = mkdtempSync(join(tmpdir(), "cfg-limits-"))
const tomlFile = (name: string, text: string) => {
  const path = join(scratch, name)
  writeFileSync(path, text)
  return path
}

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

  it("[compression] dictionaries: on by default with zstd (staging.toml too), off by default with gzip", async () => {
    const defaults = await run(undefined, {})
    if (defaults._tag === "Left") throw defaults.left
    const section = defaults.right.config.compression
    expect(CompressionSection.usesDictionary(section)).toBe(true)
    expect(CompressionSection.storagePolicy(section)).toMatchObject({
      use_dictionary: true,
      dictionary_bytes: 65536,
      dictionary_samples: 200,
      dictionary_rebuild_drift: 0.05,
      dictionary_drift_window: 100,
      dictionary_sweep_interval_secs: 600
    })
    const operators = await run(staging, envStaging)
    if (operators._tag === "Left") throw operators.left
    expect(CompressionSection.usesDictionary(operators.right.config.compression)).toBe(true)
    const gzip = await run(tomlFile("gzip.toml", '[compression]\nalgorithm = "gzip"\n'), {})
    if (gzip._tag === "Left") throw gzip.left
    expect(CompressionSection.storagePolicy(gzip.right.config.compression).use_dictionary).toBe(false)
    const set = await run(
      tomlFile(
        "keeper.toml",
        "[compression]\nuse_dictionary = false\ndictionary_rebuild_drift = 0.1\ndictionary_drift_window = 20\ndictionary_sweep_interval_secs = 0\n"
      ),
      {}
    )
    if (set._tag === "Left") throw set.left
    expect(CompressionSection.storagePolicy(set.right.config.compression)).toMatchObject({
      use_dictionary: false,
      dictionary_rebuild_drift: 0.1,
      dictionary_drift_window: 20,
      dictionary_sweep_interval_secs: 0
    })
  })

  it("[compression] a dictionary asked for with gzip, or knobs out of range, are errors naming the key", async () => {
    const cases: ReadonlyArray<readonly [string, string]> = [
      [
        'algorithm = "gzip"\nuse_dictionary = true',
        'compression.use_dictionary: use_dictionary needs algorithm "zstd"'
      ],
      ["dictionary_rebuild_drift = 2", "dictionary_rebuild_drift 2 is out of range (0.001..1)"],
      ["dictionary_drift_window = 0", "dictionary_drift_window 0 is out of range (an integer 1..100000)"],
      ["dictionary_sweep_interval_secs = -1", "dictionary_sweep_interval_secs -1 is out of range"]
    ]
    for (const [keys, message] of cases) {
      const result = await run(tomlFile("bad.toml", `[compression]\n${keys}\n`), {})
      if (result._tag === "Right") throw new Error(`accepted: ${keys}`)
      expect(result.left.message).toContain(message)
    }
  })

  it("[limits] has the defaults of the README's table; server.max_body_bytes is read as its old name", async () => {
    const defaults = await run(undefined, {})
    if (defaults._tag === "Left") throw defaults.left
    expect(defaults.right.config.limits).toEqual(DEFAULT_LIMITS)
    expect(DEFAULT_LIMITS.max_body_bytes).toBe(8 * 1024 * 1024)
    const operators = await run(staging, envStaging)
    if (operators._tag === "Left") throw operators.left
    expect(operators.right.config.limits).toEqual(DEFAULT_LIMITS)
    const old = await run(tomlFile("old.toml", "[server]\nmax_body_bytes = 5000\n"), {})
    if (old._tag === "Left") throw old.left
    // The record and text limits follow a body limit below them.
    expect(old.right.config.limits).toMatchObject({
      max_body_bytes: 5000,
      max_record_bytes: 5000,
      max_text_bytes: 5000
    })
    expect(old.right.origins.get("limits.max_body_bytes")).toBe("server.max_body_bytes")
    expect(old.right.warnings).toContain(
      "server.max_body_bytes: renamed limits.max_body_bytes (still read; set that key instead)"
    )
    expect(redacted(old.right.config)).not.toContain('"server": {\n    "max_body_bytes"')
    const same = await run(
      tomlFile("same.toml", "[server]\nmax_body_bytes = 5000\n[limits]\nmax_body_bytes = 5000\n"),
      {}
    )
    if (same._tag === "Left") throw same.left
    expect(same.right.config.limits.max_body_bytes).toBe(5000)
    const env = await run(tomlFile("env.toml", "[server]\nmax_body_bytes = 5000\n"), { MAX_BODY_BYTES: "6000" })
    if (env._tag === "Left") throw env.left
    expect(env.right.config.limits.max_body_bytes).toBe(6000)
    expect(env.right.origins.get("limits.max_body_bytes")).toBe("MAX_BODY_BYTES")
  })

  it("bad [limits] and origins are named by key path (and by where the value came from)", async () => {
    const cases: ReadonlyArray<readonly [string, string | undefined, Record<string, string>, string]> = [
      [
        "a body limit from the environment",
        undefined,
        { MAX_BODY_BYTES: "lots" },
        "limits.max_body_bytes (from MAX_BODY_BYTES): expected a positive integer"
      ],
      [
        "the body limit's old name, of the wrong type",
        "[server]\nmax_body_bytes = -1\n",
        {},
        "limits.max_body_bytes (from server.max_body_bytes): expected a positive integer"
      ],
      [
        "the body limit under both names, different",
        "[server]\nmax_body_bytes = 100\n[limits]\nmax_body_bytes = 200\n",
        {},
        "server.max_body_bytes: is the old name of limits.max_body_bytes"
      ],
      [
        "an allowed origin with a path",
        '[server]\nallowed_origins = ["https://app.example.com/app"]\n',
        {},
        "server.allowed_origins.0: expected an origin such as https://app.example.com"
      ]
    ]
    for (const [i, [name, toml, env, message]] of cases.entries()) {
      const result = await run(toml === undefined ? undefined : tomlFile(`bad-${i}.toml`, toml), env)
      if (result._tag === "Right") throw new Error(`${name}: accepted`)
      expect(result.left.message, name).toContain(message)
    }
  })

  it("server.allowed_origins: a list of origins, none by default", async () => {
    const result = await run(
      tomlFile("origins.toml", '[server]\nallowed_origins = ["https://app.example.com", "http://localhost:5173"]\n'),
      {}
    )
    if (result._tag === "Left") throw result.left
    expect(result.right.config.server.allowed_origins).toEqual(["https://app.example.com", "http://localhost:5173"])
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
