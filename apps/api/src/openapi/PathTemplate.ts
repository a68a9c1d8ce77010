import type { RouteSpec } from "../http/RouteSpec.js"

/** A Hono path parameter: `:name`, with an optional `{regex}` constraint. */
const HONO_PARAMETER = /:([A-Za-z0-9_]+)(?:\{[^}]*\})?/g

/** A Hono path in OpenAPI form: `/episodes/:id` -> `/episodes/{id}`. */
export const openApiPath = (honoPath: string): string => honoPath.replace(HONO_PARAMETER, "{$1}")

/** The names of a Hono path's parameters, in order. */
export const pathParameterNames = (honoPath: string): ReadonlyArray<string> =>
  [...honoPath.matchAll(HONO_PARAMETER)].map((match) => match[1]!)

const capitalized = (word: string) => word.charAt(0).toUpperCase() + word.slice(1)

/**
 * A stable operationId from the method and path: `GET /episodes/:id` -> `getEpisodesById`,
 * `POST /episodes/batch/get` -> `postEpisodesBatchGet`, `GET /db-health` -> `getDbHealth`.
 */
export const operationIdOf = (spec: Pick<RouteSpec, "method" | "path">): string => {
  const words = spec.path
    .replace(HONO_PARAMETER, "/by_$1")
    .split(/[^A-Za-z0-9]+/)
    .filter((word) => word !== "")
  return spec.method.toLowerCase() + words.map(capitalized).join("")
}
