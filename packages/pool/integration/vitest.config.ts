import { defineConfig } from "vitest/config"

// Integration test of storage-core over the pool; see storage-core.test.ts. Not part of the pool project.
export default defineConfig({
  test: {
    root: new URL(".", import.meta.url).pathname,
    include: ["*.test.ts"]
  }
})
