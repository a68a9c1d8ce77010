import { ErrorBody } from "@memory-turso/model"
import * as Either from "effect/Either"
import { ApiError, InvalidResponseError, type ResponseIssue } from "../Errors.js"
import type { CallOptions } from "../Exchange.js"
import { type Decoder, decoderOf, describeIssue } from "./issues.js"
import { type Answer, type Request, send, type Transport } from "./transport.js"

/** How a successful answer's body is read. */
export type Reader<A> = (answer: Answer, fail: (detail: string, issues?: ReadonlyArray<ResponseIssue>) => never) => A

const parseJson = (answer: Answer, fail: Parameters<Reader<unknown>>[1]): unknown => {
  try {
    return JSON.parse(answer.text)
  } catch {
    return fail("with a body that is not JSON")
  }
}

const decodeWith = <A>(decode: Decoder<A>, json: unknown, fail: Parameters<Reader<A>>[1]): A =>
  Either.getOrElse(decode(json), (issues) =>
    fail(`with a body that does not fit the schema: ${issues.map(describeIssue).join("; ")}`, issues)
  )

/** Reads a JSON body with a decoder. */
export const json =
  <A>(decode: Decoder<A>): Reader<A> =>
  (answer, fail) =>
    decodeWith(decode, parseJson(answer, fail), fail)

/** Reads the body as text. */
export const text: Reader<string> = (answer) => answer.text

/** Ignores the body (204). */
export const empty: Reader<void> = () => undefined

const errorBody = decoderOf(ErrorBody)

const isSuccess = (status: number) => status >= 200 && status <= 299

/**
 * Sends the request and reads the answer: a 2xx (or a status the request `answers`) through `read`; any other
 * status as the API's error body, thrown as an `ApiError`. A body that cannot be read is an `InvalidResponseError`.
 */
export const exchange = async <A>(
  transport: Transport,
  request: Request,
  read: Reader<A>,
  options: CallOptions | undefined
): Promise<A> => {
  const answer = await send(transport, request, options)
  const facts = { method: request.method, path: request.path, requestId: answer.requestId }
  const fail = (detail: string, issues: ReadonlyArray<ResponseIssue> = []): never => {
    throw new InvalidResponseError({
      ...facts,
      endpoint: `${request.method} ${request.route}`,
      status: answer.status,
      detail,
      issues
    })
  }
  if (isSuccess(answer.status) || request.answers?.includes(answer.status)) return read(answer, fail)
  const { error } = decodeWith(errorBody, parseJson(answer, fail), fail)
  throw new ApiError({ ...facts, status: answer.status, ...error, issues: error.issues ?? [] })
}
