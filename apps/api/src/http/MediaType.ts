import { type ApiError, payloadTooLarge, unsupportedMediaType } from "./ApiError.js"
import type { BodyMediaType } from "./RouteSpec.js"
import { type AppContext, headerOf, incomingOf } from "./respond.js"

/** The media type a route takes when it declares none. */
export const DEFAULT_MEDIA_TYPE: BodyMediaType = "application/json"

/**
 * True when the request carries a body: a non-zero `Content-Length` or any `Transfer-Encoding` (through the Node
 * adapter, the headers decide, as HTTP/1.1 framing does); a web Request (tests) has one when its body is not null.
 */
const hasBody = (c: AppContext): boolean => {
  const length = headerOf(c, "content-length")
  if (length !== undefined) return length.trim() !== "0"
  if (headerOf(c, "transfer-encoding") !== undefined) return true
  if (incomingOf(c) !== undefined || c.req.method === "GET" || c.req.method === "HEAD") return false
  return c.req.raw.body !== null
}

/** True when a `Content-Type` value is `expected`, with at most a utf-8 charset (case and spaces aside). */
export const isMediaType = (contentType: string, expected: string): boolean => {
  const [type, ...params] = contentType.split(";")
  if (type!.trim().toLowerCase() !== expected) return false
  return params.every((param) => {
    if (param.trim() === "") return true
    const at = param.indexOf("=")
    const name = param.slice(0, at).trim().toLowerCase()
    const value = param
      .slice(at + 1)
      .trim()
      .replace(/^"(.*)"$/, "$1")
      .toLowerCase()
    return at > 0 && name === "charset" && (value === "utf-8" || value === "utf8")
  })
}

/**
 * Refuses, from the headers alone, a body the route cannot take: a declared `Content-Length` over
 * `max_body_bytes` (413 at once, nothing read), and a body whose `Content-Type` is not the route's media type (415):
 * a browser's cross-site form (`text/plain`, `application/x-www-form-urlencoded`, `multipart/form-data`) never gets
 * parsed as JSON.
 */
export const bodyHeadersError = (
  c: AppContext,
  mediaType: BodyMediaType,
  maxBodyBytes: number
): ApiError | undefined => {
  if (!hasBody(c)) return undefined
  const length = Number(headerOf(c, "content-length"))
  if (length > maxBodyBytes) return payloadTooLarge(maxBodyBytes)
  const contentType = headerOf(c, "content-type")
  if (contentType === undefined || !isMediaType(contentType, mediaType)) return unsupportedMediaType(mediaType)
  return undefined
}
