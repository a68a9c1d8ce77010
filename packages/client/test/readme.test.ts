import { execFile } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { promisify } from "node:util"
import { describe, expect, it } from "@effect/vitest"
import { repoRoot, useApi } from "./support/api.js"

const api = useApi()

/** The README's example: the first TypeScript block. */
const example = () => {
  const readme = readFileSync(resolve(import.meta.dirname, "../README.md"), "utf8")
  const block = /```ts\n([\s\S]*?)```/.exec(readme)?.[1]
  if (block === undefined) throw new Error("the README has no ts block")
  return block
}

describe("the README", () => {
  it("its example runs as written against the real API (only the package name and the URL are pointed here)", async () => {
    const code = example()
    expect(code.split("\n").filter((line) => line.trim() !== "").length).toBeLessThanOrEqual(13)
    const dir = mkdtempSync(join(tmpdir(), "client-readme-"))
    try {
      const file = join(dir, "example.mts")
      const source = resolve(import.meta.dirname, "../src/index.ts")
      writeFileSync(
        file,
        code
          .replace('from "@memory-turso/client"', `from ${JSON.stringify(source)}`)
          .replace('"http://127.0.0.1:3000"', JSON.stringify(api().url))
      )
      const { MEMORY_TURSO_TOKEN: _token, ...env } = process.env
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ["--conditions=@memory-turso/source", "--import", "tsx", file],
        { cwd: repoRoot, env }
      )
      expect(stdout).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12} other 1\n404 not_found\n$/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
