// The part of autocannon's API the benchmarks use (it ships no types).
declare module "autocannon" {
  interface Options {
    url: string
    connections?: number
    duration?: number
    method?: string
    body?: string
    headers?: Record<string, string>
    /** Requests sent in turn on each connection; `setupRequest` may change each one (its path, say). */
    requests?: ReadonlyArray<{
      readonly method?: string
      readonly path?: string
      readonly setupRequest?: (request: { path?: string; method?: string }) => { path?: string; method?: string }
    }>
  }
  interface Histogram {
    average: number
    p50: number
    p99: number
  }
  interface Result {
    requests: Histogram
    latency: Histogram
    errors: number
    non2xx: number
  }
  export default function autocannon(options: Options): Promise<Result>
}
