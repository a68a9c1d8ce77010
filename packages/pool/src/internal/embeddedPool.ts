import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { ConnectionPool, Lease, Options } from "../ConnectionPool.js"
import { pingClient } from "../ConnectionPool.js"
import { openClient } from "../Database.js"
import type { ConnectionPoolSection } from "../PoolConfig.js"
import { Counters, checkoutWith } from "./counters.js"
import * as Permits from "./permits.js"

/**
 * The embedded (`file:`) pool: the engine runs in-process and synchronously, so there is nothing to keep warm or
 * health-check. The pool bounds operations and transactions in flight with the same FIFO permits and statistics,
 * over one client (which opens its own connections for transactions and concurrent calls).
 */
export const makeEmbedded = (options: Options, config: ConnectionPoolSection) =>
  Effect.gen(function* () {
    const client = yield* Effect.acquireRelease(openClient(options), (client) => Effect.sync(() => client.close()))
    const permits = Permits.make(config.max_connections, Duration.seconds(config.connection_timeout_secs))
    const counters = new Counters()
    const lease: Lease = {
      id: 0,
      client,
      idleMs: 0,
      verified: true,
      socketOpen: false,
      ping: (timeout) => pingClient(client, timeout),
      replace: Effect.void
    }
    const release = Effect.sync(() => permits.release())
    return {
      kind: "embedded",
      config,
      authToken: options.authToken,
      checkout: checkoutWith(permits, counters, Effect.succeed(lease), () => release),
      reserveIdle: () => Effect.succeed(Option.none()),
      connections: Effect.succeed([]),
      observe: () => Effect.void,
      stats: counters.snapshot(permits, () => permits.max - permits.active())
    } satisfies ConnectionPool["Type"]
  })
