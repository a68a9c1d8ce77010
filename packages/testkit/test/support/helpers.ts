import { type Client, type Config, createClient, type Row } from "@libsql/client"
import * as Effect from "effect/Effect"
import { Agent } from "undici"
import { acquireTestServer, fetchVia, type TestServer, type TestServerOptions } from "../../src/index.js"

/** Runs a promise; a rejection fails the test with that error. */
export const run = <A>(f: () => Promise<A>): Effect.Effect<A> => Effect.promise(f)

/** The error a promise rejects with (fails the test if it resolves). */
export const failure = (f: () => Promise<unknown>): Effect.Effect<unknown> =>
  Effect.promise(() =>
    f().then(
      (value) => {
        throw new Error(`Expected a failure, got ${String(value)}`)
      },
      (error: unknown) => error
    )
  )

/** A keep-alive HTTP agent of the test's own, so socket counts are not shared with other tests. */
export const agent = (options: Agent.Options = {}): Effect.Effect<Agent, never, import("effect/Scope").Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => new Agent({ keepAliveTimeout: 60_000, ...options })),
    (a) => Effect.promise(() => a.destroy())
  )

/** A server for the test's scope. */
export const server = (options?: TestServerOptions) => acquireTestServer(options).pipe(Effect.orDie)

/** A libSQL client of the server for the test's scope, over its own keep-alive agent unless `fetch` is given. */
export const client = (
  srv: TestServer,
  config: Partial<Config> = {},
  agentOptions: Agent.Options = {}
): Effect.Effect<Client, never, import("effect/Scope").Scope> =>
  Effect.gen(function* () {
    const dispatcher = yield* agent(agentOptions)
    return yield* Effect.acquireRelease(
      Effect.sync(() => createClient({ url: srv.url, fetch: fetchVia(dispatcher), ...config })),
      (c) => Effect.sync(() => c.close())
    )
  })

/** Sends a raw pipeline request and returns status and JSON body. */
export const pipeline = (srv: TestServer, body: unknown, headers: Record<string, string> = {}) =>
  run(async () => {
    const response = await fetch(`${srv.url}/v2/pipeline`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(body)
    })
    return { status: response.status, body: (await response.json()) as Record<string, unknown> }
  })

/** The cells of a result row, as an array. */
export const cells = (row: Row | undefined): Array<unknown> =>
  row === undefined ? [] : Array.from({ length: row.length }, (_, i) => row[i])

export { eventually } from "../../src/Waiting.js"
