import { defineProject } from "vitest/config"

/** Workspace packages export their TypeScript sources under this condition (see CONTRIBUTING.md, "Packages"). */
const SOURCE_CONDITIONS = ["@memory-turso/source"]

/**
 * The settings every package's tests share. Workspace packages resolve to their sources, not to `dist`: tests need
 * no build and never run a stale one. Vitest resolves node tests as SSR, so the condition goes to `ssr.resolve`
 * (`resolve.conditions` alone leaves them on `dist`).
 */
export const workspaceProject = (name: string) =>
  defineProject({
    ssr: { resolve: { conditions: SOURCE_CONDITIONS } },
    test: {
      name,
      include: ["test/**/*.test.ts"],
      // Socket and process tests wait on real I/O: generous on a loaded two-core CI machine.
      testTimeout: 30_000
    }
  })
