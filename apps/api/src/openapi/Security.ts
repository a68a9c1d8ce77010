import type { RouteSpec } from "../http/RouteSpec.js"
import type { SecurityScheme } from "./OpenApiDocument.js"

/** The name of the bearer scheme in `components.securitySchemes`. */
export const BEARER_AUTH = "bearerAuth"

/** `Authorization: Bearer <token>`, as `Access` checks it. */
export const bearerScheme: SecurityScheme = {
  type: "http",
  scheme: "bearer",
  description:
    "A token configured in `[[auth.tokens]]` (the server keeps only its SHA-256). Each token holds scopes (`read`, `write`, `admin`, `metrics`) and the namespaces it may use."
}

/** What an operation needs to be called: the bearer scheme, or nothing on a public route. */
export const securityOf = (spec: Pick<RouteSpec, "access">): ReadonlyArray<Record<string, ReadonlyArray<string>>> =>
  spec.access === "public" ? [] : [{ [BEARER_AUTH]: [] }]

/** The sentence an operation's description ends with: who may call it. */
export const accessSentence = (spec: Pick<RouteSpec, "access">): string => {
  switch (spec.access) {
    case "public":
      return "Public: no token needed."
    case "metrics":
      return "Needs a token with the `metrics` scope, unless the server sets `auth.public_metrics = true`."
    default:
      return `Needs a token with the \`${spec.access}\` scope.`
  }
}

/** The paragraph of the document's description on authentication, naming the public routes. */
export const authenticationParagraph = (publicRoutes: ReadonlyArray<string>): string =>
  [
    "**Authentication.** Send `Authorization: Bearer <token>`. Every route needs a token holding the route's scope",
    `(\`x-scope\` on each operation) except the public ones (${publicRoutes.map((route) => `\`${route}\``).join(", ")}):`,
    "401 `unauthorized` (with `WWW-Authenticate: Bearer`) without a known token, 403 `forbidden` without the scope.",
    "With no tokens configured (local development) no token is needed: every caller holds every scope, in every",
    "namespace, and the namespace defaults to `default`."
  ].join(" ")
