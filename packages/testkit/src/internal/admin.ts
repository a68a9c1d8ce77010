/**
 * The admin surface under `/_sim/`: never delayed by the network model, never counted. Bad input is a 400 with a
 * JSON `{ code, message }` body and a stable code.
 */
import type { IncomingMessage, ServerResponse } from "node:http"
import type { Socket } from "node:net"
import { BodyTooLargeError, readBody, writeJson } from "./http.js"
import { type FaultSpec, InvalidInputError, parseConfigPatch, parseFault, type SimConfig } from "./input.js"
import type { SocketTracker } from "./sockets.js"
import type { Stats } from "./stats.js"

/** What the admin routes drive. */
export interface AdminDeps {
  readonly sockets: SocketTracker
  readonly stats: () => Stats
  readonly resetStats: () => void
  readonly config: () => SimConfig
  readonly configure: (patch: Partial<SimConfig>) => SimConfig
  /** Applies a fault; `origin` is the admin request's socket, spared by a reset of open sockets. */
  readonly fault: (spec: FaultSpec, origin?: Socket) => Promise<void>
}

const readJson = async (req: IncomingMessage): Promise<unknown> => {
  const text = (await readBody(req)).toString("utf8")
  try {
    return text.trim() === "" ? {} : JSON.parse(text)
  } catch {
    throw new InvalidInputError({ code: "INVALID_JSON", message: "The request body is not valid JSON" })
  }
}

const route = async (deps: AdminDeps, req: IncomingMessage, socket: Socket): Promise<[number, unknown]> => {
  const path = (req.url ?? "").split("?")[0]
  const key = `${req.method} ${path}`
  switch (key) {
    case "GET /_sim/stats":
      return [200, deps.stats()]
    case "GET /_sim/config":
      return [200, deps.config()]
    case "POST /_sim/config":
      return [200, deps.configure(parseConfigPatch(await readJson(req)))]
    case "POST /_sim/fault":
      await deps.fault(parseFault(await readJson(req)), socket)
      return [200, { ok: true }]
    case "POST /_sim/reset":
      deps.resetStats()
      return [200, { ok: true }]
  }
  const known = ["/_sim/stats", "/_sim/config", "/_sim/fault", "/_sim/reset"]
  if (known.includes(path ?? "")) return [405, { code: "METHOD_NOT_ALLOWED", message: `${req.method} ${path}` }]
  return [404, { code: "NOT_FOUND", message: `No admin route ${path}` }]
}

/** Handles one admin request. */
export const handleAdmin = async (deps: AdminDeps, req: IncomingMessage, res: ServerResponse, socket: Socket) => {
  deps.sockets.begin(socket, true)
  res.on("close", () => deps.sockets.end(socket))
  try {
    const [status, body] = await route(deps, req, socket)
    writeJson(res, status, body)
  } catch (error) {
    if (error instanceof InvalidInputError) writeJson(res, 400, { code: error.code, message: error.message })
    else if (error instanceof BodyTooLargeError) writeJson(res, 413, { code: "BODY_TOO_LARGE", message: error.message })
    else writeJson(res, 500, { code: "INTERNAL_ERROR", message: String(error) })
  }
}
