// The part of autocannon's API the benchmarks use (it ships no types).
declare module "autocannon" {
  interface Request {
    method?: string
    path?: string
    body?: string
    headers?: Record<string, string>
    /** Rewrites each request before it is sent (a new path per request, ...). */
    setupRequest?: (request: Request) => Request
  }
  interface Options {
    url: string
    connections?: number
    duration?: number
    method?: string
    body?: string
    headers?: Record<string, string>
    /** Requests sent in turn on each connection; `setupRequest` may change each one (its path, say). */
    requests?: Array<Request>
  }
  interface Histogram {
    average: number
    total: number
    p50: number
    p90: number
    p99: number
    max: number
  }
  interface Result {
    requests: Histogram
    latency: Histogram
    errors: number
    non2xx: number
  }
  export default function autocannon(options: Options): Promise<Result>
}
