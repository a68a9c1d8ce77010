/**
 * The libSQL routes, under the network model: `POST /v2/pipeline`, `GET /v2`, `GET /health`. Each request pays
 * its socket's connect cost (first request only) and half the round trip before it runs, the other half before
 * its response is written; pending faults apply to pipeline requests, before authentication.
 */
import { timingSafeEqual } from "node:crypto"
import type { IncomingMessage, ServerResponse } from "node:http"
import type { Socket } from "node:net"
import { HttpError } from "./errors.js"
import type { FaultState } from "./faults.js"
import { BodyTooLargeError, delay, readBody, writeJson } from "./http.js"
import type { SimConfig } from "./input.js"
import { executePipeline, type PipelineDeps } from "./pipeline.js"
import type { SocketTracker } from "./sockets.js"
import type { Counters } from "./stats.js"

/** What the data routes need from the server. */
export interface RouteDeps {
  readonly config: () => SimConfig
  readonly counters: Counters
  readonly faults: FaultState
  readonly sockets: SocketTracker
  readonly pipeline: () => PipelineDeps
  readonly authToken: string | undefined
  /** False once the server was stopped (or restarted) after the request arrived. */
  readonly current: () => number
}

const isAuthorized = (req: IncomingMessage, token: string | undefined): boolean => {
  if (token === undefined) return true
  const header = req.headers.authorization ?? ""
  const expected = Buffer.from(`Bearer ${token}`)
  const given = Buffer.from(header)
  return given.length === expected.length && timingSafeEqual(given, expected)
}

/** Handles one non-admin request. */
export const handleData = async (deps: RouteDeps, req: IncomingMessage, res: ServerResponse, socket: Socket) => {
  const generation = deps.current()
  const owesConnect = deps.sockets.begin(socket, false)
  res.on("close", () => deps.sockets.end(socket))
  const counters = deps.counters.value
  const isPipeline = req.method === "POST" && (req.url ?? "").split("?")[0] === "/v2/pipeline"
  if (isPipeline) counters.requests++
  else counters.other_requests++
  const config = deps.config()
  const alive = () => !socket.destroyed && deps.current() === generation
  const respond = async (status: number, body: unknown) => {
    await delay(config.rtt_ms / 2)
    if (alive()) counters.bytes_sent += writeJson(res, status, body)
  }

  let body: Buffer
  try {
    body = await readBody(req, config.max_body_bytes)
  } catch (error) {
    if (error instanceof BodyTooLargeError) return respond(413, { message: error.message, code: "BODY_TOO_LARGE" })
    return
  }
  counters.bytes_received += body.length
  await delay((owesConnect ? config.connect_ms : 0) + config.rtt_ms / 2)
  if (!alive()) return

  if (!isPipeline) return handleOther(deps, req, respond)

  const stall = deps.faults.takeStall()
  if (stall !== undefined) {
    counters.faults_injected.stall++
    await stall
    if (!alive()) return
  }
  const reset = deps.faults.takeReset()
  if (reset !== undefined && !reset.afterExecute) {
    counters.faults_injected.reset++
    return deps.sockets.destroy(socket, "reset")
  }
  const fail = deps.faults.takeFail()
  if (fail !== undefined) {
    counters.faults_injected.fail++
    return respond(fail.status, { message: fail.message })
  }
  if (!isAuthorized(req, deps.authToken)) {
    counters.auth_failures++
    return respond(401, { message: "Unauthorized: the auth token is missing or invalid", code: "UNAUTHORIZED" })
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(body.toString("utf8"))
  } catch {
    return respond(400, { message: "The request body is not valid JSON", code: "INVALID_JSON" })
  }
  let status = 200
  let response: unknown
  try {
    response = await executePipeline(deps.pipeline(), parsed)
  } catch (error) {
    if (!(error instanceof HttpError)) throw error
    status = error.status
    response = { message: error.message, code: error.code }
  }
  if (reset?.afterExecute === true) {
    counters.faults_injected.reset++
    return deps.sockets.destroy(socket, "reset")
  }
  return respond(status, response)
}

const handleOther = (
  deps: RouteDeps,
  req: IncomingMessage,
  respond: (status: number, body: unknown) => Promise<void>
): Promise<void> => {
  const path = (req.url ?? "").split("?")[0]
  if (req.method === "GET" && path === "/health") return respond(200, undefined)
  if (req.method === "GET" && path === "/v2") {
    if (!isAuthorized(req, deps.authToken)) {
      deps.counters.value.auth_failures++
      return respond(401, { message: "Unauthorized: the auth token is missing or invalid", code: "UNAUTHORIZED" })
    }
    return respond(200, undefined)
  }
  return respond(404, { message: `No route for ${req.method} ${path}`, code: "NOT_FOUND" })
}
