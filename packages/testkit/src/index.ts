export { fetchVia } from "./FetchVia.js"
export { captureLogs } from "./LogCapture.js"
export { prng } from "./Seeded.js"
export {
  DEFAULT_CONFIG,
  type FaultCounts,
  type FaultSpec,
  InvalidInputError,
  type RequestType,
  type SimConfig,
  type Stats,
  startTestServer,
  type TestServer,
  TestServerError,
  type TestServerOptions
} from "./TestServer.js"
export { acquire as acquireTestServer, TestServerService } from "./TestServerService.js"
export { eventually, sleep } from "./Waiting.js"
