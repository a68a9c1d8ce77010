import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync
} from "node:fs"
import { tmpdir } from "node:os"
import { join, relative, sep } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { described, exec, type Finished, plainEnv, pnpm, publishable, repoRoot, startApi } from "./support/paths.js"

// The packages as a user gets them: each publishable package packed with `pnpm pack` (which writes real versions
// for `workspace:*` and `catalog:`), the tarballs installed with plain npm into a project outside the repository,
// and used from a plain Node ESM script (consumer/consumer.mjs). Needs `pnpm build` first (`pnpm test` builds; turbo
// runs this project's tests after the build of every package it depends on).

const work = mkdtempSync(join(tmpdir(), "memory-turso-pack-"))
const tarballs = join(work, "tarballs")
const app = join(work, "app")
afterAll(() => rmSync(work, { recursive: true, force: true }))

const packages = publishable()

/** What `pnpm pack --json` reports. */
interface Packed {
  readonly name: string
  readonly filename: string
  readonly files: ReadonlyArray<{ readonly path: string }>
}
const packed: Array<Packed> = []

/** Fails with the command's output unless it exited 0. */
const succeeded = (result: Finished): Finished => {
  if (result.code !== 0) throw new Error(described(result))
  return result
}

/** The workspace's effect (the version its tests ran with): the consumer installs the same. */
const effectVersion = (): string =>
  JSON.parse(readFileSync(join(import.meta.dirname, "..", "node_modules", "effect", "package.json"), "utf8")).version

beforeAll(async () => {
  expect(relative(repoRoot, work).startsWith("..")).toBe(true)
  mkdirSync(tarballs)
  mkdirSync(app)
  for (const pkg of packages) {
    const result = succeeded(await pnpm(["pack", "--pack-destination", tarballs, "--json"], pkg.dir))
    packed.push(JSON.parse(result.stdout) as Packed)
  }
  console.log(
    packed.map((p) => `${p.name}: ${statSync(p.filename).size} bytes packed, ${p.files.length} files`).join("\n")
  )
  // A project of its own, with npm's defaults: no workspace, no .npmrc of this repository, no pnpm settings.
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }))
  succeeded(
    await exec(
      "npm",
      ["install", "--no-audit", "--no-fund", ...packed.map((p) => p.filename), `effect@${effectVersion()}`],
      { cwd: app, env: plainEnv() }
    )
  )
  copyFileSync(join(import.meta.dirname, "..", "consumer", "consumer.mjs"), join(app, "consumer.mjs"))
}, 300_000)

/** Runs consumer.mjs with plain node (no flags at all) in the consumer project and parses what it printed. */
const consumer = async (steps: ReadonlyArray<string>, env: Record<string, string> = {}) => {
  const script = join(app, "consumer.mjs")
  const result = succeeded(await exec(process.execPath, [script, ...steps], { cwd: app, env: plainEnv(env) }))
  expect(result.command).toEqual([process.execPath, script, ...steps])
  const output = JSON.parse(result.stdout) as { resolved: Record<string, string>; steps: Record<string, unknown> }
  // Every installed package resolves to its built JavaScript, never to its TypeScript sources.
  expect(Object.keys(output.resolved).sort()).toEqual(packages.map((p) => p.name))
  for (const [name, url] of Object.entries(output.resolved)) {
    const file = fileURLToPath(url)
    expect(file.startsWith(join(app, "node_modules", name, "dist") + sep), `${name} -> ${url}`).toBe(true)
    expect(file.endsWith(".js"), `${name} -> ${url}`).toBe(true)
  }
  return output
}

describe("the published packages, installed with npm outside the workspace", () => {
  it("turbo builds each of them before these tests: each is a workspace dependency of this project", () => {
    const manifest = JSON.parse(readFileSync(join(import.meta.dirname, "..", "package.json"), "utf8"))
    const workspace = Object.entries<string>(manifest.devDependencies).filter(([, spec]) => spec === "workspace:*")
    expect(packages.map((p) => p.name).filter((name) => !workspace.some(([dep]) => dep === name))).toEqual([])
  })

  it("are packed as libraries: a LICENSE, a README, their build with its sources, and real versions", () => {
    expect(packed.map((p) => p.name)).toEqual(packages.map((p) => p.name))
    for (const { name, files } of packed) {
      const paths = files.map((f) => f.path)
      const required = ["LICENSE", "README.md", "package.json", "dist/index.js", "dist/index.d.ts", "src/index.ts"]
      expect(
        required.filter((path) => !paths.includes(path)),
        `${name}: missing from the tarball`
      ).toEqual([])
      // No stale build output: every module in dist/ has its source in src/ (a deleted module's old build would
      // otherwise ship).
      const modules = paths.filter((p) => p.startsWith("dist/") && p.endsWith(".js"))
      expect(
        modules.filter((p) => !paths.includes(p.replace(/^dist\//, "src/").replace(/\.js$/, ".ts"))),
        name
      ).toEqual([])

      const installed = JSON.parse(readFileSync(join(app, "node_modules", name, "package.json"), "utf8"))
      expect(JSON.stringify(installed), name).not.toMatch(/"(workspace|catalog):/)
      expect(installed, name).toMatchObject({
        license: "MIT",
        sideEffects: false,
        engines: { node: ">=20.19.0" },
        peerDependencies: { effect: expect.stringMatching(/^\^3\./) }
      })
      expect(installed.private, name).toBeUndefined()
      const runtime = Object.keys({ ...installed.dependencies })
      expect(
        runtime.filter((dep) => dep === "effect" || dep.startsWith("@effect/")),
        name
      ).toEqual([])
    }
  })

  it("resolve to their built JavaScript from plain node, never to their TypeScript sources", async () => {
    const { resolved, steps } = await consumer([])
    expect(Object.keys(resolved)).toHaveLength(packages.length)
    expect(steps).toEqual({})
  })

  it("work from plain node: (a) the cache alone, (b) the codec alone, (c) the Promise store on a file database", async () => {
    const { steps } = await consumer(["cache", "compression", "store"])
    expect(steps["cache"]).toEqual({ values: ["value 1", "value 1"], loads: 1, hits: 1, misses: 1, entries: 1 })
    expect(steps["compression"]).toMatchObject({ result: "Compressed", decodedEqual: true })
    const compression = steps["compression"] as { payloadBytes: number; storedBytes: number }
    expect(compression.storedBytes).toBeLessThan(compression.payloadBytes)
    expect(steps["store"]).toEqual({ stored: 3, got: "e2", listed: ["e1", "e2", "e3"], afterClose: "store_closed" })
    expect(existsSync(join(app, "memory.db"))).toBe(true)
  })

  it("work from plain node: (d) the client against the built API", async () => {
    const api = await startApi(`file:${join(work, "api.db")}`)
    try {
      const { steps } = await consumer(["client"], { MEMORY_TURSO_URL: api.url })
      expect(steps["client"]).toEqual({ stored: 3, got: "e2", listed: ["e1", "e2", "e3"], missing: "404 not_found" })
    } finally {
      expect(await api.stop()).toBe(0)
    }
  })
})
