import { ErrorBody } from "@memory-turso/model"
import { type RouteSpec, routeKey } from "../http/RouteSpec.js"
import { byStatus, codeList, errorCodesOf } from "./ErrorResponses.js"
import type { JsonSchemas } from "./JsonSchemas.js"
import type { MediaType, Operation, Reference, Response } from "./OpenApiDocument.js"
import { parametersOf } from "./Parameters.js"
import { operationIdOf } from "./PathTemplate.js"
import { accessSentence, securityOf } from "./Security.js"

const JSON_MEDIA = "application/json"

/** The names of the reusable response headers in `components.headers`. */
export const HEADERS = {
  requestId: "X-Request-Id",
  wwwAuthenticate: "WWW-Authenticate",
  etag: "ETag",
  replayed: "Idempotent-Replayed",
  retryAfter: "Retry-After"
} as const

const headerRef = (name: string): Reference => ({ $ref: `#/components/headers/${name}` })

/** The headers of a response with this status: the request id always, `Retry-After` on a 503. */
const headersOf = (status: number): Record<string, Reference> => ({
  [HEADERS.requestId]: headerRef(HEADERS.requestId),
  ...(status === 401 ? { [HEADERS.wwwAuthenticate]: headerRef(HEADERS.wwwAuthenticate) } : {}),
  ...(status === 503 ? { [HEADERS.retryAfter]: headerRef(HEADERS.retryAfter) } : {})
})

/** The success responses a route declares, by status: the JSON body and any other media type. */
const successResponses = (spec: RouteSpec, schemas: JsonSchemas): Record<string, Response> => {
  const responses: Record<string, Response> = {}
  for (const [status, response] of Object.entries(spec.responses)) {
    const content: Record<string, MediaType> = {}
    if (response.body !== undefined) {
      content[JSON_MEDIA] = { schema: schemas.describe(response.body, `${routeKey(spec)} ${status} body`) }
    }
    if (response.media !== undefined) content[response.media.type] = { schema: response.media.schema }
    responses[status] = {
      description: response.description,
      headers: {
        ...headersOf(Number(status)),
        ...(response.etag === true ? { [HEADERS.etag]: headerRef(HEADERS.etag) } : {}),
        ...(spec.headers?.includes("Idempotency-Key") ? { [HEADERS.replayed]: headerRef(HEADERS.replayed) } : {})
      },
      ...(Object.keys(content).length > 0 ? { content } : {})
    }
  }
  return responses
}

/**
 * The error responses a route can answer, one per status: the error body, and a description listing the codes that
 * status can carry on this route. A status a route also declares as a success is an error in the declaration.
 */
const errorResponses = (spec: RouteSpec, schemas: JsonSchemas): Record<string, Response> => {
  const responses: Record<string, Response> = {}
  const schema = schemas.describe(ErrorBody, "the error body")
  for (const [status, codes] of byStatus(errorCodesOf(spec))) {
    if (Object.hasOwn(spec.responses, status)) {
      throw new Error(`${routeKey(spec)} declares ${status} both as a response and as an error`)
    }
    responses[status] = {
      description: codeList(codes),
      headers: headersOf(status),
      content: { [JSON_MEDIA]: { schema } },
      "x-error-codes": codes
    }
  }
  return responses
}

/**
 * The OpenAPI operation of a route: its id, tag, summary, description (ending with who may call it), parameters,
 * JSON request body (the Schema's encoded side, as the route decodes it), and every response, successes and errors.
 */
export const operationOf = (spec: RouteSpec, schemas: JsonSchemas): Operation => {
  const parameters = parametersOf(spec, schemas)
  return {
    operationId: operationIdOf(spec),
    tags: [spec.tag],
    summary: spec.summary,
    description: [spec.description, accessSentence(spec)].filter((part) => part !== undefined).join("\n\n"),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(spec.body === undefined
      ? {}
      : {
          requestBody: {
            required: true,
            content: {
              [spec.mediaType ?? JSON_MEDIA]: { schema: schemas.describe(spec.body, `${routeKey(spec)} body`) }
            }
          }
        }),
    responses: { ...successResponses(spec, schemas), ...errorResponses(spec, schemas) },
    security: securityOf(spec),
    ...(spec.access === "public" ? {} : { "x-scope": spec.access })
  }
}
