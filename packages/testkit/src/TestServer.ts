/**
 * A libSQL remote server for tests and benchmarks: Hrana over HTTP as `@libsql/client` uses it, backed by an
 * embedded libSQL database, under a network model (round trip, connect cost, idle timeout) with fault injection
 * and exact counters.
 */
import * as Data from "effect/Data"
import { type FaultSpec, InvalidInputError, type SimConfig } from "./internal/input.js"
import { Sim } from "./internal/sim.js"
import type { Stats } from "./internal/stats.js"

export { DEFAULT_CONFIG, type FaultSpec, InvalidInputError, type SimConfig } from "./internal/input.js"
export type { FaultCounts, RequestType, Stats } from "./internal/stats.js"

/** The server could not start (port taken, database unreadable, ...). */
export class TestServerError extends Data.TaggedError("TestServerError")<{
  readonly message: string
  readonly cause?: unknown
}> {}

/** Options of `startTestServer`. */
export interface TestServerOptions {
  /** TCP port; 0 (the default) picks a free one, kept across `stop`/`start`. */
  readonly port?: number
  /** Interface to bind; default 127.0.0.1. */
  readonly host?: string
  /** An extra port serving only the `/_sim/` admin routes (reachable while the main port refuses connects). */
  readonly adminPort?: number
  /** `"memory"` (default: a private temporary file, deleted by `destroy`), or `file:path` / a path. */
  readonly db?: string
  /** When set, pipeline and `GET /v2` requests need `Authorization: Bearer <authToken>` (401 otherwise). */
  readonly authToken?: string
  /** Initial network model and timeouts (snake_case, as `POST /_sim/config`). */
  readonly network?: Partial<SimConfig>
}

/** A running (or stopped) test server. */
export interface TestServer {
  /** `http://host:port`, for `createClient({ url })`. */
  readonly url: string
  readonly port: number
  /** `http://host:adminPort` when an admin port was asked for. */
  readonly adminUrl: string | undefined
  /** The database file. */
  readonly dbPath: string
  readonly running: boolean
  /** False while `stop_accepting` holds. */
  readonly accepting: boolean
  /** A snapshot of the counters (the same JSON as `GET /_sim/stats`). */
  readonly stats: () => Stats
  /** Zeroes the counters (gauges `sockets_open` and `streams_open` keep their value). */
  readonly resetStats: () => void
  readonly config: () => SimConfig
  /** Changes the network model at run time; throws `InvalidInputError` on bad input. */
  readonly configure: (patch: Partial<SimConfig>) => SimConfig
  /** Injects a fault; throws `InvalidInputError` on bad input. */
  readonly fault: (spec: FaultSpec) => Promise<void>
  /** Starts again after `stop`, on the same port and database. */
  readonly start: () => Promise<void>
  /** Stops like a killed server: listening ends, every socket is destroyed, open transactions are lost. */
  readonly stop: () => Promise<void>
  /** `stop` then `start`. */
  readonly restart: () => Promise<void>
  /** `stop`, then deletes a temporary ("memory") database. */
  readonly destroy: () => Promise<void>
}

const startSim = async (sim: Sim): Promise<void> => {
  try {
    await sim.start()
  } catch (error) {
    throw new TestServerError({
      message: `The test server could not start on ${sim.host}:${sim.port}: ${(error as Error).message}`,
      cause: error
    })
  }
}

/** Starts a test server. Rejects with `TestServerError` or `InvalidInputError`. */
export const startTestServer = async (options: TestServerOptions = {}): Promise<TestServer> => {
  let sim: Sim
  try {
    sim = new Sim(options)
  } catch (error) {
    if (error instanceof InvalidInputError) throw error
    throw new TestServerError({
      message: `The test server could not be set up: ${(error as Error).message}`,
      cause: error
    })
  }
  try {
    await startSim(sim)
  } catch (error) {
    sim.db.destroy()
    throw error
  }
  const hostForUrl = sim.host.includes(":") ? `[${sim.host}]` : sim.host
  return {
    url: `http://${hostForUrl}:${sim.port}`,
    port: sim.port,
    adminUrl: sim.adminPort === undefined ? undefined : `http://${hostForUrl}:${sim.adminPort}`,
    dbPath: sim.db.path,
    get running() {
      return sim.running
    },
    get accepting() {
      return sim.accepting
    },
    stats: () => sim.stats(),
    resetStats: () => sim.counters.reset(),
    config: () => sim.config(),
    configure: (patch) => sim.configure(patch),
    fault: (spec) => sim.fault(spec),
    start: () => startSim(sim),
    stop: () => sim.stop(),
    restart: async () => {
      await sim.stop()
      await startSim(sim)
    },
    destroy: async () => {
      await sim.stop()
      sim.db.destroy()
    }
  }
}
