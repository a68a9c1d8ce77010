import {
  DbHealth,
  DictionaryInfo,
  Episode,
  type EpisodeInput,
  type EpisodeQueryInput,
  Health,
  Heuristic,
  type HeuristicInput,
  IDENTIFIER_EXPECTED,
  isNamespace,
  Liveness,
  Metrics,
  type Namespace,
  Pattern,
  type PatternInput,
  Readiness,
  RecallResult
} from "@memory-turso/model"
import * as Schema from "effect/Schema"
import type {
  DbHealth as DbHealthBody,
  DictionaryInfo as DictionaryInfoBody,
  Health as HealthBody,
  HeuristicQueryInput,
  Liveness as LivenessBody,
  OpenApiDocument,
  PatternQueryInput,
  Readiness as ReadinessBody,
  RecallQueryInput
} from "./Bodies.js"
import type { DocumentClient } from "./Documents.js"
import type { EmbeddingClient } from "./Embeddings.js"
import type { CallOptions, Exchange } from "./Exchange.js"
import { json, type Reader, text } from "./internal/answer.js"
import { makeCall } from "./internal/call.js"
import { documentClient } from "./internal/documents.js"
import { embeddingClient } from "./internal/embeddings.js"
import { decoderOf } from "./internal/issues.js"
import type { Transport } from "./internal/transport.js"
import { PartialMetrics } from "./PartialMetrics.js"

/** How to reach the API. */
export interface ClientOptions {
  /** Base URL of the API: http or https, no credentials (`http://127.0.0.1:3000`; a path prefix is kept). */
  readonly url: string | URL
  /** Sent as `Authorization: Bearer <token>`; never part of an error message. */
  readonly token?: string | undefined
  /** Sent as `X-Memory-Namespace` (else the token's default namespace; `default` without authentication). */
  readonly namespace?: string | undefined
  /** The fetch to send with (default: the global `fetch`). */
  readonly fetch?: typeof globalThis.fetch
  /**
   * How many times a read (GET, batch get, search) is sent again after a network error, a timeout or a 503 error
   * answer (default 2). Writes are never sent again: they may have been applied.
   */
  readonly retries?: number
  /** The first retry's delay in ms (default 100); it doubles with each retry, up to 2 s, with jitter. */
  readonly retryDelayMs?: number
  /** An attempt without a whole answer after this many ms fails with a `TimeoutError` (default 10000). */
  readonly timeoutMs?: number
  /** Called once per HTTP exchange (each attempt of a call) when it ends; what it throws is ignored. */
  readonly onResponse?: (exchange: Exchange) => void
  /** Headers sent with every request besides the client's own (`user-agent`, ...). */
  readonly headers?: Readonly<Record<string, string>>
}

/** `metrics()` options: with `allowMissingSections`, feature sections an older API does not publish may be absent. */
export interface MetricsOptions extends CallOptions {
  readonly allowMissingSections?: boolean
}

/** A client of the memory-turso HTTP API, bound to one namespace (or the token's default). */
export interface MemoryClient {
  /** The base URL, without a trailing slash. */
  readonly url: string
  /** The namespace every request names, or undefined (the token's default; `default` without authentication). */
  readonly boundNamespace: Namespace | undefined
  readonly episodes: DocumentClient<Episode, EpisodeInput, EpisodeQueryInput>
  readonly patterns: DocumentClient<Pattern, PatternInput, PatternQueryInput>
  readonly heuristics: DocumentClient<Heuristic, HeuristicInput, HeuristicQueryInput>
  readonly embeddings: EmbeddingClient
  /**
   * `POST /recall`: the `k` episodes, patterns and heuristics most relevant to `text`, `vector` or both (fused by
   * reciprocal rank), each with its score breakdown. Sent again after a network error like a read, unless it asks to
   * count retrievals (`count_retrieved: true`); a server that counts by default (`recall.count_retrievals`) may then
   * count a retried recall twice.
   */
  readonly recall: (query: RecallQueryInput, options?: CallOptions) => Promise<RecallResult>
  /** `/health`: resolves for 200 (`healthy`) and 503 (`unhealthy`: the database does not answer) alike. */
  readonly health: (options?: CallOptions) => Promise<HealthBody>
  /** `/db-health`: a real round trip in the namespace; resolves for 200 and 503 like `health`. */
  readonly dbHealth: (options?: CallOptions) => Promise<DbHealthBody>
  /** `/livez`: the process serves requests. */
  readonly live: (options?: CallOptions) => Promise<LivenessBody>
  /** `/readyz`: ready; a 503 `not_ready` rejects (after the retries) with an `ApiError`. */
  readonly ready: (options?: CallOptions) => Promise<ReadinessBody>
  /** `/metrics` as JSON, decoded with the model's `Metrics` (or `PartialMetrics` with `allowMissingSections`). */
  readonly metrics: {
    (options?: MetricsOptions & { readonly allowMissingSections?: false }): Promise<Metrics>
    (options: MetricsOptions & { readonly allowMissingSections: true }): Promise<PartialMetrics>
  }
  /** `/metrics/prometheus`: the same figures in the Prometheus text format. */
  readonly metricsText: (options?: CallOptions) => Promise<string>
  /** `POST /compression/dictionary` (admin): builds a compression dictionary now and makes new writes use it. */
  readonly buildDictionary: (options?: CallOptions) => Promise<DictionaryInfoBody>
  /** `/openapi.json`: the OpenAPI 3.1 document of every route. */
  readonly openApi: (options?: CallOptions) => Promise<OpenApiDocument>
  /** The same client (token, options, observer) bound to another namespace; an invalid name is a TypeError. */
  readonly namespace: (name: string) => MemoryClient
}

const DEFAULTS = { retries: 2, retryDelayMs: 100, timeoutMs: 10_000 }

const checkNamespace = (name: string): Namespace => {
  if (!isNamespace(name)) throw new TypeError(`namespace ${JSON.stringify(name.slice(0, 140))}: ${IDENTIFIER_EXPECTED}`)
  return name
}

const checkCount = (name: string, value: number, min: number): number => {
  if (!Number.isInteger(value) || value < min)
    throw new RangeError(`${name} must be an integer >= ${min} (got ${value})`)
  return value
}

/** The base URL, checked: http(s), no credentials; it ends in `/` so paths resolve under its own path. */
const baseUrl = (url: string | URL): URL => {
  const parsed = new URL(url)
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:")
    throw new TypeError(`url must be http:// or https:// (got ${parsed.protocol})`)
  if (parsed.username !== "" || parsed.password !== "")
    throw new TypeError("url must not carry credentials; pass the token as `token`")
  if (!parsed.pathname.endsWith("/")) parsed.pathname = `${parsed.pathname}/`
  parsed.search = ""
  parsed.hash = ""
  return parsed
}

const OpenApi = Schema.Struct({ openapi: Schema.String }, { key: Schema.String, value: Schema.Unknown })

const PROMETHEUS = "text/plain; version=0.0.4"

const bind = (options: ClientOptions, base: URL, namespace: Namespace | undefined): MemoryClient => {
  const transport: Transport = {
    base,
    headers: {
      accept: "application/json",
      ...options.headers,
      ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
      ...(namespace === undefined ? {} : { "x-memory-namespace": namespace })
    },
    fetch: options.fetch ?? globalThis.fetch,
    timeoutMs: checkCount("timeoutMs", options.timeoutMs ?? DEFAULTS.timeoutMs, 1),
    retries: checkCount("retries", options.retries ?? DEFAULTS.retries, 0),
    retryDelayMs: checkCount("retryDelayMs", options.retryDelayMs ?? DEFAULTS.retryDelayMs, 0),
    onResponse: options.onResponse
  }
  const call = makeCall(transport)
  const full = json(decoderOf(Metrics))
  const partial = json(decoderOf(PartialMetrics))
  const recalled = json(decoderOf(RecallResult))
  function metrics(options?: MetricsOptions & { readonly allowMissingSections?: false }): Promise<Metrics>
  function metrics(options: MetricsOptions & { readonly allowMissingSections: true }): Promise<PartialMetrics>
  function metrics(options?: MetricsOptions): Promise<Metrics | PartialMetrics> {
    const read = options?.allowMissingSections === true ? partial : full
    return call({ method: "GET", route: "/metrics", read }, options)
  }
  const get =
    <A>(route: string, read: Reader<A>, answers?: ReadonlyArray<number>) =>
    (callOptions?: CallOptions) =>
      call({ method: "GET", route, read, ...(answers === undefined ? {} : { answers }) }, callOptions)
  return {
    url: base.toString().replace(/\/$/, ""),
    boundNamespace: namespace,
    episodes: documentClient(call, "episodes", Episode),
    patterns: documentClient(call, "patterns", Pattern),
    heuristics: documentClient(call, "heuristics", Heuristic),
    embeddings: embeddingClient(call),
    recall: (query, callOptions) =>
      call(
        {
          method: "POST",
          route: "/recall",
          body: query,
          read: recalled,
          retryable: query.count_retrieved !== true
        },
        callOptions
      ),
    health: get("/health", json(decoderOf(Health)), [503]),
    dbHealth: get("/db-health", json(decoderOf(DbHealth)), [503]),
    live: get("/livez", json(decoderOf(Liveness))),
    ready: get("/readyz", json(decoderOf(Readiness))),
    metrics,
    metricsText: (callOptions) =>
      call({ method: "GET", route: "/metrics/prometheus", read: text, accept: PROMETHEUS }, callOptions),
    buildDictionary: (callOptions) =>
      call({ method: "POST", route: "/compression/dictionary", read: json(decoderOf(DictionaryInfo)) }, callOptions),
    openApi: get("/openapi.json", json(decoderOf(OpenApi))),
    namespace: (name) => bind(options, base, checkNamespace(name))
  }
}

/**
 * A client of the API at `options.url`. Every method returns a Promise of the answer decoded with the model's
 * Schemas; failures reject with an `ApiError` (the API's error body), a `NetworkError` / `TimeoutError` (no answer)
 * or an `InvalidResponseError` (an answer that does not decode). Invalid options throw a TypeError or RangeError.
 */
export const createClient = (options: ClientOptions): MemoryClient =>
  bind(options, baseUrl(options.url), options.namespace === undefined ? undefined : checkNamespace(options.namespace))
