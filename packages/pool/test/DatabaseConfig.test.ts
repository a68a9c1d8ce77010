import { existsSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Database from "../src/Database.js"
import * as DatabaseConfig from "../src/DatabaseConfig.js"
import { toFailure } from "../src/internal/client.js"

const withEnv = (env: Record<string, string>) => Effect.withConfigProvider(ConfigProvider.fromJson(env))

describe("DatabaseConfig", () => {
  it.effect("defaults to the embedded file database", () =>
    Effect.gen(function* () {
      const config = yield* DatabaseConfig.fromEnv.pipe(withEnv({}))
      expect(config).toEqual({ url: "file:./data/memory.db", authToken: undefined })
      expect(DatabaseConfig.kindOf(config.url)).toBe("embedded")
    })
  )

  it.effect("TURSO_DB_URL wins over DATABASE_URL; the token is redacted", () =>
    Effect.gen(function* () {
      const config = yield* DatabaseConfig.fromEnv.pipe(
        withEnv({ TURSO_DB_URL: "libsql://a.turso.io", DATABASE_URL: "file:x.db", TURSO_AUTH_TOKEN: "s3cret" })
      )
      expect(config.url).toBe("libsql://a.turso.io")
      expect(Redacted.value(config.authToken!)).toBe("s3cret")
      expect(String(config.authToken)).not.toContain("s3cret")
      const fallback = yield* DatabaseConfig.fromEnv.pipe(withEnv({ DATABASE_URL: "file:x.db" }))
      expect(fallback.url).toBe("file:x.db")
    })
  )

  it.effect("a remote URL without a token fails, naming the variable", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(DatabaseConfig.validate({ url: "libsql://db.turso.io" }))
      expect(error._tag).toBe("MissingAuthToken")
      expect(error.message).toContain("TURSO_AUTH_TOKEN")
      yield* DatabaseConfig.validate({ url: "libsql://db.turso.io?authToken=abc" })
      yield* DatabaseConfig.validate({ url: "http://127.0.0.1:8080" })
      const opened = yield* Effect.flip(Effect.scoped(Database.make({ url: "https://db.turso.io" })))
      expect(opened._tag).toBe("MissingAuthToken")
    })
  )

  it("redacts tokens and credentials in URLs", () => {
    expect(DatabaseConfig.redactUrl("libsql://x?authToken=abc&tls=0")).toBe("libsql://x?authToken=[REDACTED]&tls=0")
    expect(DatabaseConfig.redactUrl("https://user:pw@x/")).toBe("https://[REDACTED]@x/")
  })

  it.effect("a remote URL that does not parse, or has an unsupported scheme, is a typed error naming the schemes", () =>
    Effect.gen(function* () {
      const token = Redacted.make("tok-url-77")
      for (const url of ["not a url", "db.turso.io", "ws://127.0.0.1:8080", "wss://db.turso.io", "libsql:nohost"]) {
        const error = yield* Effect.flip(DatabaseConfig.validate({ url, authToken: token }))
        expect(error._tag).toBe("InvalidDatabaseUrl")
        expect(error.message).toContain("libsql://, https:// or http://")
      }
      const withSecret = yield* Effect.flip(DatabaseConfig.validate({ url: "wss://db?authToken=tok-url-77" }))
      expect(withSecret.message).not.toContain("tok-url-77")
      expect(withSecret.message).toContain("the scheme wss: is not supported")
      // the plain single-client layer refuses them too
      const opened = yield* Effect.flip(Effect.scoped(Database.make({ url: "ws://127.0.0.1:8080" })))
      expect(opened._tag).toBe("InvalidDatabaseUrl")
    })
  )

  it.scoped("creates the directory of an embedded database", () =>
    Effect.gen(function* () {
      const root = mkdtempSync(join(tmpdir(), "memory-turso-cfg-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(root, { recursive: true, force: true })))
      const url = `file:${join(root, "nested", "deeper", "memory.db")}`
      const db = yield* Database.make({ url })
      yield* db.execute({ sql: "SELECT 1", args: [] })
      expect(existsSync(join(root, "nested", "deeper", "memory.db"))).toBe(true)
    })
  )

  it("errors never carry the token", () => {
    const token = Redacted.make("tok-123")
    const failure = toFailure("execute", new Error("bad auth tok-123 for libsql://x?authToken=tok-123"), token)
    expect(failure.message).not.toContain("tok-123")
    expect(failure._tag).toBe("DatabaseUnavailable")
  })
})
