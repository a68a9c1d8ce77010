import type { OpenApiDocument, Operation, Parameter, PathItem, Reference, Response } from "../OpenApiDocument.js"
import { namespaceParameter } from "../Parameters.js"
import { anchorOf, element, escapeHtml } from "./Html.js"
import { inlineHtml, markdownHtml } from "./Markdown.js"
import { schemaAnchor, schemaHtml, typeHtml } from "./SchemaView.js"
import { DOCS_STYLE } from "./style.js"

/** One operation with the method and path it answers. */
interface Entry {
  readonly method: string
  readonly path: string
  readonly operation: Operation
}

const entriesOf = (document: OpenApiDocument): ReadonlyArray<Entry> =>
  Object.entries(document.paths).flatMap(([path, item]) =>
    (Object.entries(item) as Array<[keyof PathItem, Operation]>).map(([method, operation]) => ({
      method: method.toUpperCase(),
      path,
      operation
    }))
  )

const operationAnchor = (operation: Operation) => `op-${anchorOf(operation.operationId)}`

const methodBadge = (method: string) => element("span", method, `method method-${method.toLowerCase()}`)

/** A parameter itself, following a reference into `components.parameters`. */
const parameterOf = (document: OpenApiDocument, parameter: Parameter | Reference): Parameter | undefined =>
  "$ref" in parameter
    ? document.components.parameters[parameter.$ref.slice("#/components/parameters/".length)]
    : parameter

const parametersHtml = (document: OpenApiDocument, operation: Operation): string => {
  const parameters = (operation.parameters ?? []).flatMap((p) => parameterOf(document, p) ?? [])
  if (parameters.length === 0) return ""
  const rows = parameters.map(
    (p) =>
      `<tr><td><code>${escapeHtml(p.name)}</code></td><td>${escapeHtml(p.in)}</td><td>${typeHtml(p.schema)}</td><td>${
        p.required ? "yes" : ""
      }</td><td>${inlineHtml(p.description ?? "")}</td></tr>`
  )
  return `<h4>Parameters</h4><table><thead><tr><th>Name</th><th>In</th><th>Type</th><th>Required</th><th>Description</th></tr></thead><tbody>${rows.join("")}</tbody></table>`
}

const contentHtml = (content: Response["content"]): string =>
  Object.entries(content ?? {})
    .map(([media, { schema }]) => `<p>${element("code", media)}</p>${schemaHtml(schema)}`)
    .join("")

const requestBodyHtml = (operation: Operation): string =>
  operation.requestBody === undefined ? "" : `<h4>Request body</h4>${contentHtml(operation.requestBody.content)}`

const responsesHtml = (operation: Operation): string =>
  `<h4>Responses</h4>${Object.entries(operation.responses)
    .map(
      ([status, response]) =>
        `<div class="response">${element("span", status, "status")}${markdownHtml(response.description)}${contentHtml(response.content)}</div>`
    )
    .join("")}`

/** Who may call an operation and which namespace it works in. */
const factsHtml = (document: OpenApiDocument, operation: Operation): string => {
  const scope = operation["x-scope"]
  const access = scope === undefined ? "public: no token" : `bearer token with the ${element("code", scope)} scope`
  const header = namespaceParameter.name
  const namespaced = (operation.parameters ?? []).some((p) => parameterOf(document, p)?.name === header)
  const namespace = namespaced ? `${element("code", header)} header (see Namespaces above)` : "none"
  return `<dl class="facts"><dt>Access</dt><dd>${access}</dd><dt>Namespace</dt><dd>${namespace}</dd></dl>`
}

const operationHtml = (document: OpenApiDocument, { method, path, operation }: Entry): string =>
  `<article id="${operationAnchor(operation)}"><h3>${methodBadge(method)} ${element("code", path)}</h3>${element(
    "p",
    operation.summary,
    "summary"
  )}${markdownHtml(operation.description)}${factsHtml(document, operation)}${parametersHtml(
    document,
    operation
  )}${requestBodyHtml(operation)}${responsesHtml(operation)}</article>`

const navHtml = (document: OpenApiDocument, byTag: ReadonlyMap<string, ReadonlyArray<Entry>>): string =>
  `<nav><p><a href="#overview">Overview</a></p>${[...byTag]
    .map(
      ([tag, entries]) =>
        `<h2><a href="#tag-${anchorOf(tag)}">${escapeHtml(tag)}</a></h2><ul>${entries
          .map(
            (e) =>
              `<li><a href="#${operationAnchor(e.operation)}">${methodBadge(e.method)} ${escapeHtml(e.path)}</a></li>`
          )
          .join("")}</ul>`
    )
    .join("")}<h2><a href="#schemas">Schemas</a></h2><ul>${Object.keys(document.components.schemas)
    .map((name) => `<li><a href="#${schemaAnchor(name)}">${escapeHtml(name)}</a></li>`)
    .join("")}</ul></nav>`

/**
 * The API reference as one HTML page, rendered on the server from the OpenAPI document: the description (auth,
 * namespaces, the error codes), every operation grouped by tag with its access, parameters, request body and
 * responses, and every named schema. Inline CSS only: no script, no font, no URL outside the page (it links to
 * `openapi.json` beside it). Everything interpolated is escaped.
 */
export const renderDocsPage = (document: OpenApiDocument): string => {
  const byTag = new Map<string, Array<Entry>>(document.tags.map((tag) => [tag.name, []]))
  for (const entry of entriesOf(document)) {
    const tag = entry.operation.tags[0] ?? "other"
    byTag.set(tag, [...(byTag.get(tag) ?? []), entry])
  }
  const { title, version, description } = document.info
  const sections = [...byTag]
    .map(
      ([tag, entries]) =>
        `<section id="tag-${anchorOf(tag)}">${element("h2", tag)}${entries.map((e) => operationHtml(document, e)).join("\n")}</section>`
    )
    .join("\n")
  const schemas = Object.entries(document.components.schemas)
    .map(
      ([name, schema]) => `<section id="${schemaAnchor(name)}">${element("h3", name)}${schemaHtml(schema)}</section>`
    )
    .join("\n")
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(`${title} ${version}`)}</title><style>${DOCS_STYLE}</style></head>
<body>${navHtml(document, byTag)}<main>
<h1>${escapeHtml(title)} <small>${escapeHtml(version)}</small></h1>
<p>OpenAPI ${escapeHtml(document.openapi)} document: <a href="openapi.json">openapi.json</a></p>
<section id="overview">${markdownHtml(description)}</section>
${sections}
<section id="schemas"><h2>Schemas</h2>${schemas}</section>
</main></body></html>
`
}
