import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { startTestServer, type TestServer } from "@memory-turso/testkit"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { described, exec, plainEnv, publishable, type RunningApi, startApi } from "./support/paths.js"

// Each publishable package's README starts with its install command and an example. The example is a file of this
// project, examples/<package>.ts, type-checked with the project and copied into the README verbatim: a change to
// either side fails here. It runs from the package sources (tsx, the source condition) in an empty folder, and what
// it prints must be what its `// => ` comments say, line by line.

const examples = join(import.meta.dirname, "..", "examples")
const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href
const work = mkdtempSync(join(tmpdir(), "memory-turso-readme-"))
let server: TestServer | undefined
let api: RunningApi | undefined
beforeAll(async () => {
  server = await startTestServer()
  // The API for the client's example: the built one, on a database of its own.
  api = await startApi(`file:${join(work, "api.db")}`)
})
afterAll(async () => {
  await api?.stop()
  await server?.destroy()
  rmSync(work, { recursive: true, force: true })
})

/** The fenced code blocks of a Markdown text, in order. */
const blocks = (markdown: string) =>
  [...markdown.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map(([, lang, body]) => ({ lang: lang!, body: body! }))

/** The packages an example imports (`effect`, `@memory-turso/pool`, ...), in the order it imports them. */
const imported = (code: string) =>
  [...code.matchAll(/^import .* from "([^"]+)"$/gm)]
    .map(([, specifier]) => specifier!)
    .filter((s) => !s.startsWith("node:"))

describe.each(publishable())("the README of $name", ({ name, short, dir }) => {
  const readme = readFileSync(join(dir, "README.md"), "utf8")
  const example = join(examples, `${short}.ts`)
  const code = existsSync(example) ? readFileSync(example, "utf8") : ""

  it("starts with the install command, naming the package, what its example imports, and effect", () => {
    const [install] = blocks(readme)
    expect(install?.lang).toBe("sh")
    const words = install!.body.trim().split(/\s+/)
    expect(words.slice(0, 3)).toEqual(["npm", "install", name])
    expect(new Set(words.slice(2))).toEqual(new Set([name, ...imported(code), "effect"]))
    expect(words.at(-1)).toBe("effect")
  })

  it(`has examples/${short}.ts verbatim as its example, the first TypeScript block (at most 15 lines)`, () => {
    expect(existsSync(example), `${example} is missing`).toBe(true)
    expect(blocks(readme)[1]).toEqual({ lang: "ts", body: code })
    expect(code.trimEnd().split("\n").length).toBeLessThanOrEqual(15)
  })

  it("whose example runs and prints what its comments say", async () => {
    const expected = [...code.matchAll(/ \/\/ => (.*)$/gm)].map(([, line]) => line)
    expect(expected.length, "an example shows what it prints with `// => ` comments").toBeGreaterThan(0)
    const cwd = mkdtempSync(join(work, `${short}-`))
    const result = await exec(process.execPath, ["--conditions=@memory-turso/source", "--import", tsx, example], {
      cwd,
      // A remote database for the examples that need one (keep-alive): the libSQL test server; the API for the client.
      env: plainEnv({ TURSO_DB_URL: server!.url, MEMORY_TURSO_URL: api!.url })
    })
    expect(result.code, described(result)).toBe(0)
    expect(result.stdout.trimEnd().split("\n")).toEqual(expected)
  })
})
