import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { configure, ENV, exercise, listIn, METRICS_HEADERS, README, renderMetricList } from "../scripts/metricList.js"
import { makeHarness } from "./support/harness.js"

describe("the README's metric list", () => {
  it("is the one /metrics exposes now (regenerate: pnpm --filter @memory-turso/api docs:metrics)", async () => {
    const h = await makeHarness({ env: ENV, configure })
    await exercise((method, path, body, headers) => h.request(method, path, body, headers))
    const text = (await h.request("GET", "/metrics/prometheus", undefined, METRICS_HEADERS)).text
    await h.dispose()
    const fresh = renderMetricList(text)
    expect(fresh.split("\n").length).toBeGreaterThan(60)
    expect(listIn(readFileSync(README, "utf8"))).toBe(fresh)
  })
})
