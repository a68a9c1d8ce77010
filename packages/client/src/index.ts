export type {
  BatchGet,
  BatchStored,
  DbHealth,
  DictionaryInfo,
  EmbeddingInput,
  Health,
  HeuristicQueryInput,
  Liveness,
  OpenApiDocument,
  Page,
  PatternQueryInput,
  Readiness,
  RecallQueryInput,
  SimilarityQueryInput
} from "./Bodies.js"
export { type ClientOptions, createClient, type MemoryClient, type MetricsOptions } from "./Client.js"
export type { DocumentClient } from "./Documents.js"
export type { EmbeddingClient } from "./Embeddings.js"
export {
  ApiError,
  InvalidResponseError,
  issuePath,
  MemoryClientError,
  type Method,
  NetworkError,
  type ResponseIssue,
  TimeoutError
} from "./Errors.js"
export type { CallOptions, Exchange } from "./Exchange.js"
export { PartialMetrics } from "./PartialMetrics.js"
