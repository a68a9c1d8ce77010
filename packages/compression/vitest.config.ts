import { defineProject } from "vitest/config"

export default defineProject({
  test: {
    name: "compression",
    include: ["test/**/*.test.ts"],
    // Socket and process tests wait on real I/O: generous on a loaded two-core CI machine.
    testTimeout: 30_000
  }
})
