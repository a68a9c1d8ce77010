// A small labelled set for hybrid recall: hand-written episodes of real engineering work (12 incidents, 3 episodes
// each, written in different words by different "agents"), and 2 queries per incident phrased as an agent would
// ask, some with a typo or an inflected form. An episode is relevant to a query when it is about the same incident.
// Vectors come from `embed` below (no embedding model can be loaded here): feature hashing of character trigrams,
// which match inflections and typos that BM25's words miss, and of concepts from a small general synonym table,
// which match words that mean the same; BM25 matches rare exact words the hashed vector dilutes.

/** One incident: three episodes about it and two queries that should find them. */
interface Incident {
  readonly id: string
  readonly episodes: ReadonlyArray<{
    readonly task: string
    readonly steps: ReadonlyArray<string>
    readonly outcome: string
  }>
  readonly queries: ReadonlyArray<string>
}

export const INCIDENTS: ReadonlyArray<Incident> = [
  {
    id: "oom",
    episodes: [
      {
        task: "Investigate the worker pod killed with OOMKilled after the image resize job",
        steps: ["kubectl describe pod resize-worker", "raised the memory limit to 2Gi"],
        outcome: "the resize job streams images instead of buffering them"
      },
      {
        task: "Memory of the thumbnail service grows until the kernel kills it",
        steps: ["took a heap snapshot", "found every decoded bitmap kept in a module-level array"],
        outcome: "bitmaps released after upload; memory flat"
      },
      {
        task: "Out of memory crash in image processing under load",
        steps: ["reproduced with 200 concurrent uploads", "limited concurrency with a semaphore"],
        outcome: "no more crashes at peak"
      }
    ],
    queries: ["image worker runs out of memory", "pod OOMKiled during thumbnail resizing"]
  },
  {
    id: "flaky-tz",
    episodes: [
      {
        task: "Fix the flaky date test that fails only around midnight UTC",
        steps: ["ran the suite with TZ=Pacific/Auckland", "the test compared local dates with UTC dates"],
        outcome: "tests pin the clock and the time zone"
      },
      {
        task: "CI fails intermittently in the billing period calculation tests",
        steps: ["noticed failures cluster at 23:00-01:00", "period boundaries used new Date() without a zone"],
        outcome: "billing periods computed in UTC"
      },
      {
        task: "Timezone dependent assertion breaks the nightly build",
        steps: ["reproduced by faking the system time", "replaced toLocaleDateString with an ISO formatter"],
        outcome: "nightly build green for a week"
      }
    ],
    queries: ["test flakes near midnight because of time zones", "intermittent failure in date calculations timezone"]
  },
  {
    id: "n-plus-one",
    episodes: [
      {
        task: "Speed up the orders page that issues one query per line item",
        steps: ["enabled SQL logging and counted 312 queries", "loaded line items with a single IN query"],
        outcome: "page renders in 80 ms instead of 2 s"
      },
      {
        task: "N+1 queries in the GraphQL resolver for comments",
        steps: ["added a DataLoader keyed by post id", "batched author lookups too"],
        outcome: "resolver makes 3 queries per request"
      },
      {
        task: "Dashboard slow: ORM lazy loading inside a loop",
        steps: ["profiled the endpoint", "switched to eager loading with joins"],
        outcome: "latency p95 down from 1.8 s to 150 ms"
      }
    ],
    queries: ["too many database queries one per row", "n+1 query problem slow endpoint"]
  },
  {
    id: "cert",
    episodes: [
      {
        task: "Production HTTPS broke because the TLS certificate expired",
        steps: ["openssl s_client showed notAfter yesterday", "renewed with certbot and reloaded nginx"],
        outcome: "renewal timer enabled and alerting on expiry"
      },
      {
        task: "Clients report SSL handshake errors on the API domain",
        steps: ["the intermediate chain was missing from the bundle", "rebuilt fullchain.pem"],
        outcome: "handshakes succeed from old Android clients"
      },
      {
        task: "Automate certificate renewal after an outage",
        steps: ["added a cron job for acme renewals", "monitoring checks days until expiry"],
        outcome: "renewals happen 30 days before expiry"
      }
    ],
    queries: ["expired certificate caused outage", "ssl certificat renewal automation"]
  },
  {
    id: "deadlock",
    episodes: [
      {
        task: "Postgres reports deadlock detected between two transfer transactions",
        steps: ["read the deadlock log lines", "locked accounts in ascending id order"],
        outcome: "no deadlocks in a week of traffic"
      },
      {
        task: "Transactions block each other when updating inventory rows",
        steps: ["found opposite lock order in reserve and release", "made both paths update rows sorted by sku"],
        outcome: "lock waits disappeared"
      },
      {
        task: "Intermittent 40P01 errors in the payments service",
        steps: ["retried serialization failures", "ordered row locks consistently"],
        outcome: "errors dropped to zero"
      }
    ],
    queries: ["database deadlocks between transactions", "lock ordering fix for deadlock errors"]
  },
  {
    id: "docker-cache",
    episodes: [
      {
        task: "Docker image builds take 15 minutes on every commit",
        steps: [
          "the COPY of the whole repo came before npm install",
          "copied package files first so the install layer caches"
        ],
        outcome: "builds take 90 seconds"
      },
      {
        task: "Container build cache never hits in CI",
        steps: ["enabled buildx cache export to the registry", "pinned the base image digest"],
        outcome: "cache hit rate 90%"
      },
      {
        task: "Slim down and speed up the Dockerfile",
        steps: ["multi-stage build", "ordered layers from least to most frequently changed"],
        outcome: "image 4x smaller, builds faster"
      }
    ],
    queries: ["slow docker builds layer caching", "dockerfile rebuilds dependencies every time"]
  },
  {
    id: "cors",
    episodes: [
      {
        task: "Browser blocks requests from the new frontend domain with a CORS error",
        steps: ["preflight OPTIONS returned 404", "added the origin to the allow list and answered preflight"],
        outcome: "frontend can call the API"
      },
      {
        task: "Access-Control-Allow-Origin missing on error responses",
        steps: ["the error middleware ran before the cors middleware", "moved cors first"],
        outcome: "errors readable by the browser"
      },
      {
        task: "Cookies not sent on cross-origin fetch",
        steps: ["set credentials include", "allowed credentials and a specific origin instead of *"],
        outcome: "login works across subdomains"
      }
    ],
    queries: ["cross origin request blocked in browser", "preflight options request failing cors"]
  },
  {
    id: "memory-leak-listeners",
    episodes: [
      {
        task: "Node process warns MaxListenersExceededWarning and memory climbs",
        steps: ["each request added a listener to a shared emitter", "removed the listener in finally"],
        outcome: "heap stable over 24 hours"
      },
      {
        task: "Event listener leak in the websocket gateway",
        steps: ["counted listeners per socket", "unsubscribed on close"],
        outcome: "no more warnings"
      },
      {
        task: "Heap grows slowly in the notification service",
        steps: ["compared heap snapshots", "retainers pointed at subscriptions never disposed"],
        outcome: "subscriptions disposed with their scope"
      }
    ],
    queries: ["max listeners exceeded warning leak", "event emitter listeners leaking memory"]
  },
  {
    id: "rate-limit",
    episodes: [
      {
        task: "Third-party API answers 429 Too Many Requests during the nightly sync",
        steps: ["read the Retry-After header", "added exponential backoff with jitter"],
        outcome: "sync completes without being throttled"
      },
      {
        task: "Our crawler gets throttled by the GitHub API",
        steps: ["used conditional requests with ETags", "spread requests under the hourly quota"],
        outcome: "stays within the rate limit"
      },
      {
        task: "Implement a token bucket for outgoing calls to the payment provider",
        steps: ["one bucket per merchant", "queued requests over the limit"],
        outcome: "no more throttling errors"
      }
    ],
    queries: ["getting 429 too many requests from api", "throttling and backoff for external calls"]
  },
  {
    id: "migration-lock",
    episodes: [
      {
        task: "Schema migration locked the users table for ten minutes",
        steps: [
          "ALTER TABLE added a column with a default and rewrote the table",
          "split into add column, backfill in batches, set default"
        ],
        outcome: "migrations run online"
      },
      {
        task: "Adding an index blocked writes in production",
        steps: ["used CREATE INDEX CONCURRENTLY", "set lock_timeout for migrations"],
        outcome: "no write stalls during deploys"
      },
      {
        task: "Zero-downtime database migrations policy",
        steps: ["expand and contract pattern", "migrations reviewed for table rewrites"],
        outcome: "deploys no longer pause traffic"
      }
    ],
    queries: ["migration locks table in production", "online schema change without downtime"]
  },
  {
    id: "dns",
    episodes: [
      {
        task: "Service cannot resolve the database hostname after the VPC change",
        steps: ["nslookup failed inside the container", "the resolv.conf pointed at the old resolver"],
        outcome: "containers use the new DNS server"
      },
      {
        task: "Intermittent name resolution failures in Kubernetes",
        steps: ["ndots:5 caused five lookups per name", "used fully qualified names with a trailing dot"],
        outcome: "lookup errors gone"
      },
      {
        task: "Stale DNS records after failover",
        steps: ["the client cached addresses forever", "honoured TTLs in the connection pool"],
        outcome: "failover takes 30 seconds"
      }
    ],
    queries: ["hostname does not resolve dns failure", "dns lookups failing intermittently in cluster"]
  },
  {
    id: "disk-full",
    episodes: [
      {
        task: "Server ran out of disk space because logs were never rotated",
        steps: ["du showed 80 GB in /var/log/app", "configured logrotate daily with compression"],
        outcome: "disk usage stable at 20%"
      },
      {
        task: "ENOSPC errors when writing uploads",
        steps: ["the tmp directory filled with abandoned chunks", "cleaned tmp files after each upload"],
        outcome: "uploads succeed"
      },
      {
        task: "Database volume full, writes failing",
        steps: ["vacuumed bloated tables", "added an alert at 80% disk usage"],
        outcome: "space reclaimed and monitored"
      }
    ],
    queries: ["no space left on device errors", "disk filled up with log files"]
  }
]

/** The dimension of the benchmark's vectors. */
export const DIMENSIONS = 384

/** FNV-1a of a string. */
const hash = (s: string) => {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

/**
 * What a real embedding model knows and BM25 does not: words that mean the same thing. A general table of
 * engineering synonyms (not written per query): each word in a group also adds the group's concept.
 */
const CONCEPTS: ReadonlyArray<ReadonlyArray<string>> = [
  ["memory", "oom", "oomkilled", "heap", "leak", "leaking", "bitmap", "bitmaps"],
  ["killed", "crash", "crashes", "kills", "dies"],
  ["image", "images", "thumbnail", "resize", "bitmap", "picture"],
  ["time", "timezone", "timezones", "zone", "zones", "utc", "midnight", "clock", "date", "dates"],
  ["flaky", "flakes", "intermittent", "intermittently", "nondeterministic", "sometimes"],
  ["query", "queries", "sql", "orm", "database", "loader", "dataloader"],
  ["slow", "latency", "speed", "performance", "fast", "faster"],
  ["certificate", "certificat", "certificates", "tls", "ssl", "https", "handshake", "certbot", "acme"],
  ["expired", "expiry", "expires", "renewal", "renew", "renewed"],
  ["deadlock", "deadlocks", "lock", "locks", "locked", "blocking", "block", "40p01"],
  ["transaction", "transactions", "serialization"],
  ["docker", "dockerfile", "container", "image", "buildx", "layer", "layers"],
  ["cache", "caching", "cached"],
  ["cors", "origin", "preflight", "cross", "credentials"],
  ["browser", "frontend", "fetch"],
  ["listener", "listeners", "emitter", "subscription", "subscriptions", "unsubscribed"],
  ["throttled", "throttling", "429", "rate", "quota", "backoff", "bucket"],
  ["migration", "migrations", "schema", "alter", "index"],
  ["downtime", "online", "outage", "stall", "stalls"],
  ["dns", "resolve", "resolution", "resolver", "hostname", "nslookup", "lookup", "lookups", "ndots"],
  ["disk", "space", "enospc", "volume", "full", "du", "logrotate"],
  ["log", "logs", "logging"]
]
const conceptsOf = new Map<string, Array<string>>()
CONCEPTS.forEach((group, g) => {
  for (const word of group) conceptsOf.set(word, [...(conceptsOf.get(word) ?? []), `#concept${g}`])
})

/** Adds `weight` times the signed bucket of `feature` to `v`. */
const add = (v: Float64Array, feature: string, weight: number) => {
  const h = hash(feature)
  v[h % DIMENSIONS]! += h & 0x80000000 ? -weight : weight
}

/**
 * A unit vector of `text`: its character trigrams (per word, padded) and the concepts of its words (each weighing
 * `conceptWeight` trigrams), hashed into `DIMENSIONS` signed buckets.
 */
export const embed = (text: string, conceptWeight = 1): ReadonlyArray<number> => {
  const v = new Float64Array(DIMENSIONS)
  for (const word of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
    const padded = ` ${word} `
    for (let i = 0; i + 3 <= padded.length; i++) add(v, padded.slice(i, i + 3), 1)
    for (const concept of conceptsOf.get(word) ?? []) add(v, concept, conceptWeight)
  }
  const norm = Math.hypot(...v) || 1
  return Array.from(v, (x) => x / norm)
}
