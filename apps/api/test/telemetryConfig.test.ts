import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Effect from "effect/Effect"
import { describe, expect, it } from "vitest"
import { load, redacted } from "../src/config/AppConfig.js"
import { DEFAULTS, fromSection } from "../src/telemetry/Telemetry.js"
import { parseTraceparent, traceparentOf } from "../src/telemetry/Tracing.js"

const scratch = mkdtempSync(join(tmpdir(), "cfg-telemetry-"))
const toml = (text: string) => {
  const path = join(scratch, `t${Math.random().toString(36).slice(2)}.toml`)
  writeFileSync(path, text)
  return path
}
const run = (file: string | undefined, env: Record<string, string> = {}) =>
  Effect.runPromise(Effect.either(load({ file, env })))

describe("[telemetry]", () => {
  it("defaults: no export, every trace sampled once on, the default namespace labelled", async () => {
    const result = await run(undefined)
    if (result._tag === "Left") throw result.left
    expect(result.right.config.telemetry).toEqual({
      sampling_ratio: 1,
      export_interval_secs: 10,
      service_name: "memory-turso-api",
      namespace_labels: ["default"]
    })
    expect(fromSection(result.right.config.telemetry)).toEqual({ ...DEFAULTS, otlpEndpoint: undefined })
  })

  it("every key reaches the server's options; OTEL_EXPORTER_OTLP_ENDPOINT overrides the file", async () => {
    const file = toml(`[telemetry]
otlp_endpoint = "http://collector:4318"
sampling_ratio = 0.25
export_interval_secs = 3
service_name = "memory-eu"
namespace_labels = ["team-a", "team-b"]
`)
    const fromFile = await run(file)
    if (fromFile._tag === "Left") throw fromFile.left
    expect(fromSection(fromFile.right.config.telemetry)).toEqual({
      otlpEndpoint: "http://collector:4318",
      samplingRatio: 0.25,
      exportIntervalMs: 3000,
      serviceName: "memory-eu",
      namespaceLabels: ["team-a", "team-b"]
    })
    const fromEnv = await run(file, { OTEL_EXPORTER_OTLP_ENDPOINT: "https://otel.internal:4318/otlp" })
    if (fromEnv._tag === "Left") throw fromEnv.left
    expect(fromEnv.right.config.telemetry.otlp_endpoint).toBe("https://otel.internal:4318/otlp")
    expect(fromEnv.right.origins.get("telemetry.otlp_endpoint")).toBe("OTEL_EXPORTER_OTLP_ENDPOINT")
    expect(redacted(fromEnv.right.config)).toContain("https://otel.internal:4318/otlp")
  })

  it("bad values are errors naming the key; an endpoint with credentials is refused (they would be logged)", async () => {
    const cases: ReadonlyArray<readonly [string, string]> = [
      ['otlp_endpoint = "collector:4318"', "telemetry.otlp_endpoint"],
      ['otlp_endpoint = "http://user:secret@collector:4318"', "telemetry.otlp_endpoint"],
      ["sampling_ratio = 1.5", "telemetry.sampling_ratio"],
      ["sampling_ratio = -0.1", "telemetry.sampling_ratio"],
      ["export_interval_secs = 0", "telemetry.export_interval_secs"],
      ["namespace_labels = [1]", "telemetry.namespace_labels"]
    ]
    for (const [keys, path] of cases) {
      const result = await run(toml(`[telemetry]\n${keys}\n`))
      if (result._tag === "Right") throw new Error(`accepted: ${keys}`)
      expect(result.left.message).toContain(path)
      expect(result.left.message).not.toContain("secret")
    }
  })
})

describe("W3C traceparent", () => {
  it("reads version 00 headers; sampled flag; round trip", () => {
    const span = parseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
    expect(span).toMatchObject({
      traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
      spanId: "00f067aa0ba902b7",
      sampled: true
    })
    expect(parseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00")?.sampled).toBe(false)
    expect(traceparentOf(span!)).toBe("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
    // A later version may append fields.
    expect(parseTraceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra")?.spanId).toBe(
      "00f067aa0ba902b7"
    )
  })

  it("ignores malformed headers: wrong lengths, upper case, zero ids, version ff, junk", () => {
    for (const header of [
      undefined,
      "",
      "junk",
      "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
      "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
      "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
      "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
      "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
      `00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01${"x".repeat(600)}`
    ]) {
      expect(parseTraceparent(header), String(header)).toBeUndefined()
    }
  })
})
