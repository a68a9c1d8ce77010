import { errorCodes } from "@memory-turso/model"
import * as Schema from "effect/Schema"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { RouteSpec } from "../src/http/RouteSpec.js"
import { renderDocsPage } from "../src/openapi/docs/DocsPage.js"
import { escapeHtml } from "../src/openapi/docs/Html.js"
import { markdownHtml } from "../src/openapi/docs/Markdown.js"
import { makeOpenApiDocument } from "../src/openapi/OpenApi.js"
import type { OpenApiDocument } from "../src/openapi/OpenApiDocument.js"
import { type Harness, makeHarness } from "./support/harness.js"

let h: Harness
let page: string
let doc: OpenApiDocument
beforeAll(async () => {
  h = await makeHarness()
  page = (await h.request("GET", "/docs")).text
  doc = (await h.request("GET", "/openapi.json")).json
})
afterAll(() => h.dispose())

const count = (text: string, pattern: RegExp) => [...text.matchAll(pattern)].length

describe("the /docs page", () => {
  it("works offline: no script, no stylesheet or image from anywhere, no outside URL", () => {
    expect(page).toMatch(/^<!doctype html>/)
    expect(page).not.toMatch(/<script/i)
    expect(page).not.toMatch(/\ssrc\s*=/i)
    expect(page).not.toMatch(/<link/i)
    expect(page).not.toMatch(/@import|url\(/i)
    expect(page).not.toMatch(/https?:\/\//i)
    expect(page).toContain('<a href="openapi.json">')
  })

  it("shows every operation once, grouped by tag, with its access, and every named schema", () => {
    const operations = Object.values(doc.paths).flatMap((item) => Object.values(item))
    expect(count(page, /<article id="op-/g)).toBe(operations.length)
    for (const operation of operations) expect(page).toContain(`<article id="op-${operation.operationId}">`)
    for (const tag of doc.tags) expect(page).toContain(`<section id="tag-${tag.name}"><h2>${tag.name}</h2>`)
    for (const name of Object.keys(doc.components.schemas)) expect(page).toContain(`<section id="schema-${name}">`)
    expect(count(page, /bearer token with the <code>read<\/code> scope/g)).toBe(
      operations.filter((o) => o["x-scope"] === "read").length
    )
    expect(page).toContain("<code>/episodes/{id}</code>")
    expect(page).toContain("<td><code>task_description</code></td><td>string, at least 1 characters</td><td>yes</td>")
  })

  it("has the error codes table and the auth explanation", () => {
    for (const code of errorCodes) expect(page).toContain(`<tr><td><code>${code}</code></td>`)
    expect(page).toContain("<strong>Authentication.</strong>")
    expect(page).toContain("no token is needed")
  })
})

describe("renderDocsPage", () => {
  it("escapes everything it interpolates", () => {
    const hostile: RouteSpec = {
      method: "POST",
      path: "/x/:id",
      tag: "<b>tag</b>",
      summary: 'summary "quoted" & <i>',
      description: "a <script>alert(1)</script> and `<img src=x onerror=alert(2)>` in code",
      access: "write",
      namespaced: true,
      body: Schema.Struct({ "<field>": Schema.String }).annotations({ description: "<em>body</em>" }),
      responses: { 200: { description: "ok <u>", body: Schema.Struct({ a: Schema.Literal("</pre>") }) } },
      errors: []
    }
    const html = renderDocsPage(
      makeOpenApiDocument([hostile], { title: "T <x>", version: "1 & 2", summary: "<marquee>" })
    )
    for (const raw of ["<script>", "<img", "<b>tag", "<i>", "<x>", "<marquee>", "<em>", "<u>", "<field>"]) {
      expect(html).not.toContain(raw)
    }
    expect(html).toContain("a &lt;script&gt;alert(1)&lt;/script&gt;")
    expect(html).toContain("<code>&lt;img src=x onerror=alert(2)&gt;</code>")
    expect(html).toContain("summary &quot;quoted&quot; &amp; &lt;i&gt;")
    expect(html).toContain("<title>T &lt;x&gt; 1 &amp; 2</title>")
    expect(html).toContain("&lt;/pre&gt;")
    expect(count(html, /<\/pre>/g)).toBe(count(html, /<pre>/g))
  })

  it("renders the Markdown subset the descriptions use", () => {
    expect(markdownHtml("one\ntwo\n\n- `a`: x\n- **b**")).toBe(
      "<p>one two</p>\n<ul><li><code>a</code>: x</li><li><strong>b</strong></li></ul>"
    )
    expect(markdownHtml("| A | B |\n| --- | --- |\n| `x` | y \\| z |")).toBe(
      "<table><thead><tr><th>A</th><th>B</th></tr></thead><tbody><tr><td><code>x</code></td><td>y | z</td></tr></tbody></table>"
    )
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;")
  })
})
