/** The test server as an Effect service, scoped: started on acquire, stopped and deleted on release. */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import type { InvalidInputError } from "./internal/input.js"
import { startTestServer, type TestServer, TestServerError, type TestServerOptions } from "./TestServer.js"

/** Starts a server for the enclosing scope; it is destroyed when the scope closes. */
export const acquire = (
  options?: TestServerOptions
): Effect.Effect<TestServer, TestServerError | InvalidInputError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: () => startTestServer(options),
      catch: (error) =>
        typeof error === "object" && error !== null && "_tag" in error
          ? (error as TestServerError | InvalidInputError)
          : new TestServerError({ message: String(error), cause: error })
    }),
    (server) => Effect.promise(() => server.destroy())
  )

/** The running test server of a scoped layer. */
export class TestServerService extends Context.Tag("@memory-turso/testkit/TestServerService")<
  TestServerService,
  TestServer
>() {
  /** A layer that starts a server and destroys it when the layer's scope closes. */
  static readonly layer = (options?: TestServerOptions) => Layer.scoped(TestServerService, acquire(options))
  static readonly acquire = acquire
}
