import { IDENTIFIER_EXPECTED, isIdentifier } from "@memory-turso/model"
import type { Method } from "../Errors.js"
import type { CallOptions } from "../Exchange.js"
import { exchange, type Reader } from "./answer.js"
import type { Transport } from "./transport.js"

/** One call of one route. */
export interface CallSpec<A> {
  readonly method: Method
  /** The route template: `/episodes/:id`. */
  readonly route: string
  /** Values of the route's `:name` parameters: ids, each checked and encoded. */
  readonly params?: Readonly<Record<string, string>>
  readonly query?: URLSearchParams
  /** Sent as JSON. */
  readonly body?: unknown
  readonly read: Reader<A>
  /** Safe to send again (default: a GET is, nothing else). */
  readonly retryable?: boolean
  /** Statuses answered with the route's own body rather than an error body. */
  readonly answers?: ReadonlyArray<number>
  readonly accept?: string
}

/** Calls one route and resolves with its decoded answer (see `exchange`). */
export type Call = <A>(spec: CallSpec<A>, options: CallOptions | undefined) => Promise<A>

/** The route with its parameters filled; an id no URL can carry is a TypeError, before anything is sent. */
const pathOf = (route: string, params: Readonly<Record<string, string>>): string =>
  route.replace(/:(\w+)/g, (_, name: string) => {
    const value = params[name] ?? ""
    if (!isIdentifier(value))
      throw new TypeError(`${name} ${JSON.stringify(value.slice(0, 140))}: ${IDENTIFIER_EXPECTED}`)
    return encodeURIComponent(value)
  })

/** Calls over one transport. */
export const makeCall =
  (transport: Transport): Call =>
  async (spec, options) =>
    exchange(
      transport,
      {
        method: spec.method,
        route: spec.route,
        path: pathOf(spec.route, spec.params ?? {}),
        ...(spec.query === undefined ? {} : { query: spec.query }),
        ...(spec.body === undefined ? {} : { body: JSON.stringify(spec.body) }),
        ...(spec.accept === undefined ? {} : { accept: spec.accept }),
        ...(spec.answers === undefined ? {} : { answers: spec.answers }),
        retryable: spec.retryable ?? spec.method === "GET"
      },
      spec.read,
      options
    )
