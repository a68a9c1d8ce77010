import * as Effect from "effect/Effect"
import packageJson from "../../package.json" with { type: "json" }
import type { Routes } from "../http/Routes.js"
import { type Run, send } from "../http/respond.js"
import { renderDocsPage } from "../openapi/docs/DocsPage.js"
import { type ApiInfo, makeOpenApiDocument } from "../openapi/OpenApi.js"
import type { OpenApiDocument } from "../openapi/OpenApiDocument.js"

/** What the API's description says it is. */
export const API_INFO: ApiInfo = {
  title: "memory-turso API",
  version: packageJson.version,
  summary:
    "Stores AI-agent memory (episodes, patterns, heuristics, embeddings) in libSQL. Generated from the route declarations and the Effect Schemas the routes decode and answer with; bodies are described as JSON on the wire (fields with defaults are optional in requests and always present in responses)."
}

/** A value computed on first use and kept (a failure is not kept: the next use tries again). */
const once = <A>(make: () => A): (() => A) => {
  let made: { readonly value: A } | undefined
  return () => {
    made ??= { value: make() }
    return made.value
  }
}

const encoder = new TextEncoder()

/**
 * `GET /openapi.json` (the OpenAPI 3.1 document of every route) and `GET /docs` (the same as a readable HTML page),
 * both public. Mount after every other route: the document is built from `routes.specs` on the first request and
 * the same bytes are served after.
 */
export const mountReference = (routes: Routes, run: Run, info: ApiInfo = API_INFO) => {
  const document = once((): OpenApiDocument => makeOpenApiDocument(routes.specs, info))
  const json = once(() => encoder.encode(JSON.stringify(document())))
  const html = once(() => encoder.encode(renderDocsPage(document())))

  routes.add(
    {
      method: "GET",
      path: "/openapi.json",
      tag: "reference",
      summary: "This API's OpenAPI 3.1 document",
      description: "Generated from the route declarations; every route is in it, this one included.",
      access: "public",
      namespaced: false,
      responses: {
        200: {
          description: "The OpenAPI document",
          media: { type: "application/json", schema: { type: "object", description: "An OpenAPI 3.1.0 document" } }
        }
      },
      errors: []
    },
    (c) =>
      run(
        c,
        Effect.sync(() => send(c, 200, json(), { "content-type": "application/json; charset=utf-8" }))
      )
  )

  routes.add(
    {
      method: "GET",
      path: "/docs",
      tag: "reference",
      summary: "This API's reference as an HTML page",
      description: "Rendered on the server from the OpenAPI document; no script, works offline.",
      access: "public",
      namespaced: false,
      responses: {
        200: { description: "The reference page", media: { type: "text/html", schema: { type: "string" } } }
      },
      errors: []
    },
    (c) =>
      run(
        c,
        Effect.sync(() => send(c, 200, html(), { "content-type": "text/html; charset=utf-8" }))
      )
  )
}
