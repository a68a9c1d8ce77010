import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { quotedCommands, staleQuotes } from "../src/internal/Quotes.js"
import { REPO_ROOT, type WorkspacePackage, workspacePackages } from "../src/internal/Workspace.js"
import { SECTIONS } from "../src/Registry.js"

/** README.md, CONTRIBUTING.md and every package's and app's README, relative to the root. */
const documents = () => [
  "README.md",
  "CONTRIBUTING.md",
  ...["packages", "apps"].flatMap((parent) =>
    readdirSync(join(REPO_ROOT, parent))
      .map((dir) => `${parent}/${dir}/README.md`)
      .filter((file) => {
        try {
          readFileSync(join(REPO_ROOT, file))
          return true
        } catch {
          return false
        }
      })
  )
]

describe("benchmark names quoted in the documentation", () => {
  it("every quoted benchmark command and id exists", () => {
    const packages = workspacePackages()
    const files = documents()
    expect(files.length).toBeGreaterThan(5)
    const problems = files.flatMap((file) =>
      staleQuotes(file, readFileSync(join(REPO_ROOT, file), "utf8"), packages, SECTIONS)
    )
    expect(problems).toEqual([])
    // the documents do quote benchmark commands: the check is not vacuous
    const quoted = files.flatMap((file) => quotedCommands(readFileSync(join(REPO_ROOT, file), "utf8")))
    expect(quoted.length).toBeGreaterThan(10)
    expect(quoted.some((c) => c.script === "bench" && "dir" in c.target && c.target.dir === ".")).toBe(true)
  })

  it("reports a missing script, an unknown package and an unknown id in a made-up README", () => {
    const packages: ReadonlyArray<WorkspacePackage> = [
      { name: "memory-turso", dir: ".", scripts: { bench: "node run.ts" } },
      { name: "@memory-turso/cache", dir: "packages/cache", scripts: { bench: "node hit.ts" } },
      { name: "@memory-turso/api", dir: "apps/api", scripts: { "bench:livez": "node livez.ts" } }
    ]
    const readme = [
      "# Made up",
      "| claim | command |",
      "|---|---|",
      "| hits | `pnpm --filter @memory-turso/cache bench` |",
      "| livez | `pnpm --filter @memory-turso/api bench:livez` (embedded) |",
      "| gone | `pnpm --filter @memory-turso/api bench:import` |",
      "| renamed | `pnpm -F @memory-turso/nope bench` |",
      "```sh",
      "cd packages/cache && pnpm bench",
      "cd packages/cache && pnpm bench:memory",
      "pnpm measure:memory",
      "```",
      "Run `pnpm bench` for everything, `pnpm bench -- --only cache` for a part,",
      "`pnpm bench -- --only cache.hit.get,api.livez.big-bodies` for figures, `pnpm bench -- --only api.bulk-import.gone`.",
      "Placeholders are skipped: `pnpm --filter <package> bench:<name>`."
    ].join("\n")
    expect(staleQuotes("README.md", readme, packages, SECTIONS)).toEqual([
      'README.md:6: `pnpm --filter @memory-turso/api bench:import`: @memory-turso/api has no script "bench:import"',
      "README.md:7: `pnpm -F @memory-turso/nope bench`: no workspace package @memory-turso/nope",
      'README.md:10: `cd packages/cache && pnpm bench:memory`: @memory-turso/cache has no script "bench:memory"',
      'README.md:14: `pnpm bench -- --only api.bulk-import.gone`: "api.bulk-import.gone" is neither a section nor a comparison id of bench/src/Registry.ts'
    ])
    expect(quotedCommands(readme).map((c) => c.script)).toEqual([
      "bench",
      "bench:livez",
      "bench:import",
      "bench",
      "bench",
      "bench:memory",
      "bench",
      "bench",
      "bench",
      "bench"
    ])
  })
})

describe("the registry", () => {
  it("names every section and comparison once, each id under its package's name", () => {
    const ids = SECTIONS.flatMap((s) => [s.id, ...s.comparisons])
    expect(new Set(ids).size).toBe(ids.length)
    const packages = workspacePackages()
    for (const section of SECTIONS) {
      expect(section.id).toMatch(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/)
      const owner = packages.find((p) => p.name === section.package)
      expect(owner?.dir.split("/").pop()).toBe(section.id.split(".")[0])
      for (const id of section.comparisons) expect(id.startsWith(`${section.id}.`)).toBe(true)
    }
  })
})
