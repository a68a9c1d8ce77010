/**
 * A database and the APIs a check starts over it, all stopped when the check's body settles: the test server (a
 * remote libSQL database, in this process, with its faults) or an embedded database file in the work folder.
 */
import { randomBytes } from "node:crypto"
import { join } from "node:path"
import { startTestServer, type TestServer } from "@memory-turso/testkit"
import { type RunningApi, type Sections, startApi } from "./ApiProcess.js"
import type { SuiteContext } from "./Check.js"

/** Starts an API over the stack's database; `label` names its configuration and log files. */
export type ApiStarter = (label: string, sections?: Sections) => Promise<RunningApi>

const withApis = async <A>(
  context: SuiteContext,
  database: { readonly databaseUrl: string; readonly databaseToken?: string },
  use: (start: ApiStarter) => Promise<A>
): Promise<A> => {
  const apis: Array<RunningApi> = []
  try {
    return await use(async (label, sections) => {
      const api = await startApi({ workDir: context.workDir, label, ...database, ...(sections ? { sections } : {}) })
      apis.push(api)
      return api
    })
  } finally {
    for (const api of apis) await api.stop()
  }
}

/** Runs `use` with a fresh test server (with a token) and APIs over it; destroys the server after. */
export const withTestServer = async <A>(
  context: SuiteContext,
  use: (server: TestServer, start: ApiStarter) => Promise<A>
): Promise<A> => {
  const databaseToken = randomBytes(16).toString("hex")
  const server = await startTestServer({ authToken: databaseToken })
  try {
    return await withApis(context, { databaseUrl: server.url, databaseToken }, (start) => use(server, start))
  } finally {
    await server.destroy()
  }
}

/** Runs `use` with APIs over the embedded database `<work folder>/<name>.db`. */
export const withEmbedded = <A>(context: SuiteContext, name: string, use: (start: ApiStarter) => Promise<A>) =>
  withApis(context, { databaseUrl: `file:${join(context.workDir, `${name}.db`)}` }, use)
