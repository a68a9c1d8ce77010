/** The repository's workspace packages and their scripts, read from their package.json files. */
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"

/** The repository root (this file is bench/src/internal/Workspace.ts). */
export const REPO_ROOT = join(import.meta.dirname, "..", "..", "..")

/** A workspace package: its name, folder (relative to the root) and scripts. */
export interface WorkspacePackage {
  readonly name: string
  readonly dir: string
  readonly scripts: Readonly<Record<string, string>>
}

const readPackage = (root: string, dir: string): WorkspacePackage | undefined => {
  const file = join(root, dir, "package.json")
  if (!existsSync(file)) return undefined
  const json = JSON.parse(readFileSync(file, "utf8")) as { name?: string; scripts?: Record<string, string> }
  return json.name === undefined ? undefined : { name: json.name, dir, scripts: json.scripts ?? {} }
}

/** The root package and every package under the workspace folders (packages/*, apps/*, tests/*, bench). */
export const workspacePackages = (root = REPO_ROOT): ReadonlyArray<WorkspacePackage> => {
  const dirs = [
    ".",
    "bench",
    ...["packages", "apps", "tests"].flatMap((parent) =>
      existsSync(join(root, parent))
        ? readdirSync(join(root, parent), { withFileTypes: true })
            .filter((entry) => entry.isDirectory())
            .map((entry) => `${parent}/${entry.name}`)
        : []
    )
  ]
  return dirs.flatMap((dir) => readPackage(root, dir) ?? [])
}

/** The package named `name`, if the workspace has it. */
export const packageNamed = (packages: ReadonlyArray<WorkspacePackage>, name: string) =>
  packages.find((p) => p.name === name)
