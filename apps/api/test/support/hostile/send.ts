import * as http from "node:http"
import type { HostileRequest } from "./builders.js"

/** A body this large is sent only once the server had a moment to refuse it from its headers. */
export const EARLY_ANSWER_BYTES = 1024 * 1024

/**
 * Sends exactly the request's headers and body (no default Content-Type); resolves with status and body. A large
 * body waits for an early answer first (the server answers 413 from `Content-Length` before reading): writing
 * megabytes the server will not read races the connection's close, which can lose the answer.
 */
export const sendHostile = (baseUrl: string, request: Pick<HostileRequest, "method" | "path" | "headers" | "body">) =>
  new Promise<{ status: number; text: string }>((resolve, reject) => {
    const body = request.body === undefined ? undefined : Buffer.from(request.body)
    const outgoing = http.request(`${baseUrl}${request.path}`, {
      method: request.method,
      headers: { ...request.headers, ...(body === undefined ? {} : { "content-length": body.length }) }
    })
    let answered = false
    let sent = false
    outgoing.on("response", (response) => {
      answered = true
      let text = ""
      response.setEncoding("utf8")
      response.on("data", (chunk: string) => (text += chunk))
      response.on("end", () => {
        resolve({ status: response.statusCode ?? 0, text })
        if (!sent) outgoing.destroy() // answered from the headers: the body is not wanted
      })
      response.on("error", reject)
    })
    // The server may answer and stop reading before the whole body is sent: the answer is what counts.
    outgoing.on("error", (error) => (answered ? undefined : reject(error)))
    const sendBody = () => {
      sent = true
      outgoing.end(body)
    }
    if (body === undefined || body.length < EARLY_ANSWER_BYTES) return sendBody()
    outgoing.flushHeaders()
    setTimeout(() => (answered ? undefined : sendBody()), 500)
  })
