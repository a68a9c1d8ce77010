import { once } from "node:events"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"

/** One span as an OTLP/HTTP JSON export carries it. */
export interface OtlpSpan {
  readonly traceId: string
  readonly spanId: string
  readonly parentSpanId?: string
  readonly name: string
  readonly kind: number
  readonly attributes: ReadonlyArray<{ readonly key: string; readonly value: Record<string, unknown> }>
}

/** A loopback OTLP/HTTP (JSON) receiver: keeps every span and metric name it is sent. */
export const startReceiver = async () => {
  const spans: Array<OtlpSpan> = []
  const metricNames = new Set<string>()
  const bodies: Array<string> = []
  let posts = 0
  const server = createServer((req, res) => {
    let text = ""
    req.on("data", (chunk) => {
      text += chunk
    })
    req.on("end", () => {
      posts++
      bodies.push(text)
      const body = JSON.parse(text)
      if (req.url === "/v1/traces") {
        for (const rs of body.resourceSpans ?? []) for (const ss of rs.scopeSpans ?? []) spans.push(...ss.spans)
      } else if (req.url === "/v1/metrics") {
        for (const rm of body.resourceMetrics ?? [])
          for (const sm of rm.scopeMetrics ?? []) for (const m of sm.metrics ?? []) metricNames.add(m.name)
      }
      res.writeHead(200, { "content-type": "application/json" }).end("{}")
    })
  })
  server.listen(0, "127.0.0.1")
  await once(server, "listening")
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url,
    spans,
    metricNames,
    bodies,
    posts: () => posts,
    close: () => new Promise<void>((resolve) => server.close(() => resolve()))
  }
}

/** Waits (polling, up to `tries` x 50 ms) until `ready` holds; returns whether it did. */
export const eventually = async (ready: () => boolean, tries = 200): Promise<boolean> => {
  for (let i = 0; i < tries; i++) {
    if (ready()) return true
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return ready()
}
