import { defineProject } from "vitest/config"

export default defineProject({
  test: {
    name: "keepalive",
    include: ["test/**/*.test.ts"]
  }
})
