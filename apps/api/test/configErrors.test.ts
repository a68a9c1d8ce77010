import { spawn } from "node:child_process"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { DEFAULT_LIMITS } from "../src/config/LimitsSection.js"

const dir = mkdtempSync(join(tmpdir(), "memory-turso-config-"))
const file = (name: string, text: string) => {
  const path = join(dir, name)
  writeFileSync(path, text)
  return path
}

/**
 * Runs the API's `--check` with a file and environment; returns exit code and output. Asynchronous, so the
 * test worker keeps answering vitest while the child runs (a synchronous spawn starves its RPC channel).
 */
const check = (args: ReadonlyArray<string>, env: Record<string, string> = {}) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--conditions=@memory-turso/source", "--import", "tsx", "src/main.ts", ...args, "--check"],
      { cwd: join(import.meta.dirname, ".."), env: { PATH: process.env["PATH"] ?? "", ...env }, timeout: 90_000 }
    )
    let stdout = ""
    let stderr = ""
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk))
    child.on("error", reject)
    child.on("close", (code) => resolve({ code, stdout, stderr }))
  })

/** [name, TOML or undefined, env, the message expected on stderr] */
const bad: ReadonlyArray<readonly [string, string | undefined, Record<string, string>, string]> = [
  ["wrong type in the file", '[connection_pool]\nmax_connections = "twenty"\n', {}, "connection_pool.max_connections"],
  [
    "wrong type from the environment",
    undefined,
    { MAX_CONNECTIONS: "twenty" },
    "connection_pool.max_connections (from MAX_CONNECTIONS): expected"
  ],
  ["negative cache size", "[cache]\nmax_episodes = -5\n", {}, "cache.max_episodes"],
  ["min TTL above max TTL", "[cache]\nmin_ttl_secs = 9000\nmax_ttl_secs = 100\n", {}, "cache.min_ttl_secs"],
  [
    "unknown compression algorithm",
    '[compression]\nalgorithm = "lz4"\n',
    {},
    'compression.algorithm: unknown algorithm "lz4"'
  ],
  [
    "remote URL without a token",
    undefined,
    { TURSO_DB_URL: "libsql://db.turso.io" },
    "database.token: a remote database URL needs an auth token: set TURSO_AUTH_TOKEN"
  ],
  ["not TOML at all", "this is = = not toml\n", {}, "is not valid TOML"],
  [
    "bad boolean",
    undefined,
    { ENABLE_CACHE: "sometimes" },
    'cache.enabled (from ENABLE_CACHE): expected boolean, got "sometimes"'
  ],
  ["bad log level", undefined, { LOG_LEVEL: "loud" }, "monitoring.log_level (from LOG_LEVEL)"],
  ["bad RUST_LOG", undefined, { RUST_LOG: "info,memory_storage_turso=chatty" }, "monitoring.log_level (from RUST_LOG)"],
  ["limits out of range", "[limits]\nmax_json_depth = 1000\n", {}, "limits.max_json_depth: expected an integer 2-256"],
  [
    "retry base above max",
    "[retry]\nretry_base_delay_ms = 10000\nretry_max_delay_ms = 10\n",
    {},
    "retry.retry_base_delay_ms"
  ]
]

// Each case starts a Node process through tsx (seconds each on a loaded 2-core machine): generous timeouts.
describe.concurrent("invalid configuration stops start-up with exit code 2 and one message per problem", {
  timeout: 180_000
}, () => {
  it.each(bad)("%s", async (name, toml, env, message) => {
    const args = toml === undefined ? [] : ["--config", file(`${name.replace(/\W+/g, "-")}.toml`, toml)]
    const result = await check(args, env)
    expect(result.code).toBe(2)
    expect(result.stderr).toContain(message)
    expect(result.stderr).not.toMatch(/\n\s+at /)
  })

  it("an unreadable file is exit 2 naming the file", async () => {
    const result = await check(["--config", join(dir, "missing.toml")])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain("cannot read")
    expect(result.stderr).toContain("missing.toml")
  })

  it("several problems are all reported at once", async () => {
    const result = await check(["--config", file("many.toml", "[cache]\nmax_episodes = 0\n[server]\nport = 99999\n")], {
      MAX_CONNECTIONS: "x"
    })
    expect(result.code).toBe(2)
    expect(result.stderr).toContain("cache.max_episodes")
    expect(result.stderr).toContain("server.port")
    expect(result.stderr).toContain("connection_pool.max_connections")
  })

  it("the token is never printed, valid or not", async () => {
    const secret = "super-secret-token-123"
    const ok = await check(["--config", "/work/shared/spec/staging.toml"], { TURSO_AUTH_TOKEN: secret })
    expect(ok.code).toBe(0)
    expect(ok.stdout + ok.stderr).not.toContain(secret)
    const invalid = await check([], { TURSO_AUTH_TOKEN: secret, MAX_CONNECTIONS: "-1" })
    expect(invalid.code).toBe(2)
    expect(invalid.stdout + invalid.stderr).not.toContain(secret)
  })

  it("--check prints the effective configuration and the warnings, exit 0", async () => {
    const result = await check(["--config", "/work/shared/spec/staging.toml"], {
      TURSO_AUTH_TOKEN: "t",
      CACHE_SIZE_EPISODES: "7"
    })
    expect(result.code).toBe(0)
    const effective = JSON.parse(result.stdout)
    expect(effective.cache.max_episodes).toBe(7)
    expect(effective.database.token).toBe("<redacted>")
    expect(effective.limits).toEqual(DEFAULT_LIMITS)
    expect(effective.server.allowed_origins).toEqual([])
    expect(result.stderr).toContain("warning: compression.compress_embeddings")
  })
})

const HASH = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
const token = (fields: string) => `[[auth.tokens]]\n${fields}\n`

describe.concurrent("[auth]", { timeout: 180_000 }, () => {
  it("a non-loopback host without tokens stops start-up: exit 2, one line naming auth.tokens", async () => {
    for (const env of [{ HOST: "0.0.0.0" }, { HOST: "10.1.2.3" }]) {
      const result = await check([], env)
      expect(result.code).toBe(2)
      const lines = result.stderr.trim().split("\n")
      expect(lines.filter((line) => line.includes("auth.tokens"))).toHaveLength(1)
      expect(lines).toHaveLength(2) // the "invalid configuration:" heading and the one problem
    }
    const required = await check(["--config", file("required.toml", "[auth]\nrequired = true\n")])
    expect(required.code).toBe(2)
    expect(required.stderr).toContain("auth.tokens: no token is configured")
    for (const host of ["127.0.0.1", "localhost", "::1", "127.0.0.9"])
      expect((await check([], { HOST: host })).code).toBe(0)
  })

  it("auth.required = false serves a non-loopback host without tokens, with a warning at every start", async () => {
    const result = await check(["--config", file("open.toml", "[auth]\nrequired = false\n")], { HOST: "0.0.0.0" })
    expect(result.code).toBe(0)
    expect(result.stderr).toContain("warning: auth.required = false: the API listens on 0.0.0.0 without authentication")
  })

  it("a bad token entry is named by its path; its hash (or a secret pasted there) is never printed", async () => {
    const cases: ReadonlyArray<[string, string]> = [
      [token(`name = "t"\nsha256 = "my-plain-secret-oops"\nscopes = ["read"]`), "auth.tokens.0.sha256: expected 64"],
      [token(`name = "t"\nsha256 = "${HASH}"\nscopes = ["root"]`), "auth.tokens.0.scopes"],
      [token(`name = "t"\nsha256 = "${HASH}"\nscopes = []`), "auth.tokens.0.scopes"],
      [token(`name = "has space"\nsha256 = "${HASH}"\nscopes = ["read"]`), "auth.tokens.0.name"],
      [token(`name = "t"\nsha256 = "${HASH}"\nscopes = ["read"]\nnamespaces = ["a*b"]`), "auth.tokens.0.namespaces.0"],
      [
        token(`name = "t"\nsha256 = "${HASH}"\nscopes = ["read"]`) +
          token(`name = "t"\nsha256 = "${HASH.replace("9", "8")}"\nscopes = ["read"]`),
        "auth.tokens.1.name: a second token named t"
      ],
      [
        token(`name = "t"\nsha256 = "${HASH}"\nscopes = ["read"]`) +
          token(`name = "u"\nsha256 = "${HASH.toUpperCase()}"\nscopes = ["read"]`),
        "auth.tokens.1.sha256: the same hash as an earlier token"
      ]
    ]
    for (const [i, [toml, message]] of cases.entries()) {
      const result = await check(["--config", file(`token-${i}.toml`, toml)])
      expect(result.code).toBe(2)
      expect(result.stderr).toContain(message)
      expect(result.stderr).not.toContain("my-plain-secret-oops")
      expect(result.stderr.toLowerCase()).not.toContain(HASH)
    }
  })

  it("AUTH_TOKENS_FILE replaces auth.tokens; --check shows names and scopes, never a hash", async () => {
    const tokens = file(
      "tokens.toml",
      `[[tokens]]\nname = "team-a"\nsha256 = "${HASH}"\nscopes = ["read", "write"]\nnamespaces = ["team-a"]\n`
    )
    const result = await check([], { HOST: "0.0.0.0", AUTH_TOKENS_FILE: tokens })
    expect(result.code).toBe(0)
    const effective = JSON.parse(result.stdout)
    expect(effective.auth.tokens).toEqual([
      { name: "team-a", sha256: "<redacted>", scopes: ["read", "write"], namespaces: ["team-a"] }
    ])
    expect(result.stdout + result.stderr).not.toContain(HASH)
    const broken = await check([], { AUTH_TOKENS_FILE: file("bad-tokens.toml", `[[tokens]]\nname = "x"\n`) })
    expect(broken.code).toBe(2)
    expect(broken.stderr).toContain("auth.tokens.0.sha256 (from AUTH_TOKENS_FILE)")
    const missing = await check([], { AUTH_TOKENS_FILE: join(dir, "nope.toml") })
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain("auth.tokens (from AUTH_TOKENS_FILE): cannot read")
  })
})
