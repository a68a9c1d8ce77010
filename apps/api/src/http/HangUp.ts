import type { IncomingMessage, ServerResponse } from "node:http"

/**
 * The status recorded for a request whose client hung up before its answer (nginx's "client closed request"); the
 * answer itself goes nowhere.
 */
export const CLIENT_CLOSED_REQUEST = 499

/** What `@hono/node-server` passes as a request's environment (absent under `app.request`). */
interface NodeBindings {
  readonly incoming?: IncomingMessage
  readonly outgoing?: ServerResponse
}

/**
 * Calls `hangUp` once if the client closes the connection before the response is written (at once if it already
 * has), and returns the function that stops watching. Outside the Node adapter it does nothing.
 */
export const watchHangUp = (env: unknown, hangUp: () => void): (() => void) => {
  const { incoming, outgoing } = (env ?? {}) as NodeBindings
  if (outgoing === undefined) return () => {}
  const onClose = () => {
    if (!outgoing.writableFinished) hangUp()
  }
  if (incoming?.socket?.destroyed === true) {
    hangUp()
    return () => {}
  }
  outgoing.once("close", onClose)
  return () => outgoing.off("close", onClose)
}
