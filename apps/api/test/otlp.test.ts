import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { MemoryStore } from "@memory-turso/store"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import { afterAll, describe, expect, it } from "vitest"
import { startServer } from "../src/Server.js"
import { DEFAULTS, type TelemetryOptions } from "../src/telemetry/Telemetry.js"
import { withTraceIds } from "../src/telemetry/TraceLogger.js"
import { configFrom } from "./support/harness.js"
import { eventually, startReceiver } from "./support/otlpReceiver.js"

const dir = mkdtempSync(join(tmpdir(), "memory-turso-otlp-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
const CALLER = "00f067aa0ba902b7"

/** A server exporting to `endpoint`, whose JSON log lines (debug level: one per request) are kept in `lines`. */
const serve = async (name: string, telemetry: Partial<TelemetryOptions>) => {
  const lines: Array<Record<string, any>> = []
  const logger = Layer.merge(
    Logger.replace(
      Logger.defaultLogger,
      Logger.map(withTraceIds(Logger.jsonLogger), (line) => void lines.push(JSON.parse(line)))
    ),
    Logger.minimumLogLevel(LogLevel.Debug)
  )
  const server = await startServer({
    port: 0,
    host: "127.0.0.1",
    shutdownGraceMs: 1000,
    storage: MemoryStore.layer(await configFrom({ TURSO_DB_URL: `file:${join(dir, name)}` })),
    runtimeLayer: logger,
    logRequests: true,
    telemetry: { ...DEFAULTS, exportIntervalMs: 100, ...telemetry }
  })
  return { server, lines }
}

const post = (url: string, headers: Record<string, string> = {}) =>
  fetch(`${url}/episodes`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ episode_id: "e1", task_description: "remember this" })
  })

describe("OpenTelemetry export over OTLP/HTTP", () => {
  it("exports one request's spans under its caller's traceparent, with the trace id its log lines carry", async () => {
    const receiver = await startReceiver()
    const { server, lines } = await serve("traced.db", { otlpEndpoint: receiver.url })
    const response = await post(server.url, {
      traceparent: `00-${TRACE}-${CALLER}-01`,
      authorization: "Bearer not-for-export-0123456789"
    })
    expect(response.status).toBe(200)
    const requestId = response.headers.get("x-request-id")
    const serverSpan = () => receiver.spans.find((s) => s.traceId === TRACE && s.parentSpanId === CALLER)
    expect(await eventually(() => serverSpan() !== undefined)).toBe(true)
    const root = serverSpan()!
    expect(root.name).toBe("POST /episodes")
    expect(root.kind).toBe(2) // SERVER
    const attribute = (key: string) => root.attributes.find((a) => a.key === key)?.value
    expect(attribute("http.route")).toEqual({ stringValue: "/episodes" })
    expect(attribute("http.response.status_code")).toEqual({ intValue: 200 })
    // Its work: child spans of the server span (the storage operation), and every span of the trace has its parent
    // in the trace (or is the server span under the caller's).
    await eventually(() => receiver.spans.some((s) => s.parentSpanId === root.spanId))
    const trace = receiver.spans.filter((s) => s.traceId === TRACE)
    const children = trace.filter((s) => s.parentSpanId === root.spanId)
    expect(children.length).toBeGreaterThan(0)
    const ids = new Set(trace.map((s) => s.spanId))
    for (const span of trace) expect(span === root || ids.has(span.parentSpanId!), span.name).toBe(true)
    // The request's log line carries the same trace id and the server span's id.
    const line = lines.find((l) => l["annotations"]?.["request_id"] === requestId)
    expect(line?.["annotations"]).toMatchObject({ trace_id: TRACE, span_id: root.spanId })
    // Metrics go to /v1/metrics from the same registry as the Prometheus text.
    expect(await eventually(() => receiver.metricNames.has("memory_turso_http_requests_total"))).toBe(true)
    expect(receiver.metricNames.has("memory_turso_cache_hits_total")).toBe(true)
    // No header value of the request (its Authorization among them) leaves in a span, a metric or a log line.
    const exported = `${receiver.bodies.join("\n")}\n${JSON.stringify(lines)}`
    expect(exported).not.toContain("not-for-export")
    await server.close()
    await receiver.close()
  }, 30_000)

  it("a caller's unsampled traceparent and sampling_ratio 0 export no span; log lines keep the trace id", async () => {
    const receiver = await startReceiver()
    const { server, lines } = await serve("unsampled.db", { otlpEndpoint: receiver.url, samplingRatio: 0 })
    const unsampled = await post(server.url, { traceparent: `00-${TRACE}-${CALLER}-00` })
    const own = await post(server.url)
    // A third request, sampled by its caller, shows the exporter runs: it arrives, the other two never do.
    await post(server.url, { traceparent: `00-${"1".repeat(32)}-${CALLER}-01` })
    expect(await eventually(() => receiver.spans.some((s) => s.traceId === "1".repeat(32)))).toBe(true)
    await server.close()
    expect(receiver.spans.filter((s) => s.traceId !== "1".repeat(32))).toEqual([])
    const lineOf = (response: Response) =>
      lines.find((l) => l["annotations"]?.["request_id"] === response.headers.get("x-request-id"))
    expect(lineOf(unsampled)?.["annotations"]?.["trace_id"]).toBe(TRACE)
    expect(lineOf(own)?.["annotations"]?.["trace_id"]).toMatch(/^[0-9a-f]{32}$/)
    await receiver.close()
  }, 30_000)

  it("without an endpoint nothing is exported, and log lines still carry trace ids", async () => {
    const { server, lines } = await serve("off.db", {})
    const response = await post(server.url, { traceparent: `00-${TRACE}-${CALLER}-01` })
    await server.close()
    const line = lines.find((l) => l["annotations"]?.["request_id"] === response.headers.get("x-request-id"))
    expect(line?.["annotations"]?.["trace_id"]).toBe(TRACE)
  }, 30_000)
})
