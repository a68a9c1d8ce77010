import { defineProject } from "vitest/config"

export default defineProject({
  test: {
    name: "api",
    include: ["test/**/*.test.ts"],
    // Socket and process tests wait on real I/O: generous on a loaded two-core CI machine.
    testTimeout: 30_000
  }
})
