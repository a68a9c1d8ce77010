/**
 * Every benchmark section `pnpm bench` runs, one after another: which package script runs it, how long it may take,
 * and the comparison ids it emits. The runner fails a section whose result names other ids than these, so this list
 * cannot drift from what the sections print, and the README test checks quoted ids against it.
 */

/** One benchmark section: a package script that writes one `SectionResult`. */
export interface Section {
  /** The `section` its result carries ("api.livez"); `pnpm bench -- --only <prefix>` selects by it. */
  readonly id: string
  /** The workspace package holding the script ("@memory-turso/cache"). */
  readonly package: string
  /** Its package script ("bench", "bench:livez"). */
  readonly script: string
  /** Seconds before the runner stops it and records it as failed (its quick run, `BENCH_QUICK=1`). */
  readonly timeoutSeconds: number
  /** The ids of the comparisons its result holds, every one, in any order. */
  readonly comparisons: ReadonlyArray<string>
  /** What it measures, beside what, in a few words. */
  readonly about: string
}

/** The command that runs a section alone. */
export const commandOf = (section: Pick<Section, "package" | "script">): string =>
  `pnpm --filter ${section.package} ${section.script}`

/** Every section, in the order `pnpm bench` runs them. */
export const SECTIONS: ReadonlyArray<Section> = [
  {
    id: "cache.hit",
    package: "@memory-turso/cache",
    script: "bench",
    timeoutSeconds: 120,
    comparisons: ["cache.hit.get", "cache.hit.effect-floor"],
    about: "cache-hit throughput of AdaptiveCache.get beside a bare quick-lru get"
  },
  {
    id: "cache.memory",
    package: "@memory-turso/cache",
    script: "bench:memory",
    timeoutSeconds: 120,
    comparisons: ["cache.memory.per-entry", "cache.memory.per-entry-vs-value"],
    about: "heap per entry of a full AdaptiveCache beside a raw quick-lru and beside the value's bytes"
  },
  {
    id: "compression.ratio",
    package: "@memory-turso/compression",
    script: "bench",
    timeoutSeconds: 180,
    comparisons: [
      "compression.ratio.zstd-3.4k",
      "compression.ratio.gzip-6.4k",
      "compression.ratio.zstd-3-dictionary.4k",
      "compression.ratio.zstd-3.16k",
      "compression.ratio.speed-vs-gzip.4k"
    ],
    about: "stored bytes of realistic episodes with zstd and gzip beside no compression"
  },
  {
    id: "compression.aborts",
    package: "@memory-turso/compression",
    script: "bench:aborts",
    timeoutSeconds: 120,
    comparisons: [],
    about: "the input sizes at which zstd-codec aborts, per level (a limit of the engine, figures only)"
  },
  {
    id: "keepalive.idle-reads",
    package: "@memory-turso/keepalive",
    script: "bench",
    timeoutSeconds: 120,
    comparisons: ["keepalive.idle-reads.on-vs-off", "keepalive.idle-reads.on-vs-naive"],
    about: "reads after idle gaps on the test server, keep-alive on beside off and beside a new client per read"
  },
  {
    id: "testkit.network",
    package: "@memory-turso/testkit",
    script: "bench",
    timeoutSeconds: 120,
    comparisons: ["testkit.network.server-overhead", "testkit.network.new-socket", "testkit.network.batch"],
    about: "what the test server costs beside an embedded file, and what its network model does"
  },
  {
    id: "storage-core.embedded-reads",
    package: "@memory-turso/storage-core",
    script: "bench:reads",
    timeoutSeconds: 120,
    comparisons: ["storage-core.embedded-reads.get-episode", "storage-core.embedded-reads.prepared-statements"],
    about: "embedded reads through Storage beside the bare client's point read, and the prepared-statement cache"
  },
  {
    id: "api.livez",
    package: "@memory-turso/api",
    script: "bench:livez",
    timeoutSeconds: 240,
    comparisons: ["api.livez.hostile-reads", "api.livez.big-bodies"],
    about: "/livez latency under hostile-but-valid load beside /livez idle"
  },
  {
    id: "api.soak",
    package: "@memory-turso/api",
    script: "bench:soak",
    timeoutSeconds: 300,
    comparisons: ["api.soak.rss-growth"],
    about: "the built API's RSS after many mixed requests beside its RSS after a third of them"
  },
  // Sections of the other issue-13 scopes: ids and comparisons are filled in when they merge (the runner reports the
  // ids a section emits that are not listed here).
  {
    id: "api.reads",
    package: "@memory-turso/api",
    script: "bench:cache",
    timeoutSeconds: 180,
    comparisons: ["api.reads.cached-vs-bare", "api.reads.uncached-vs-cached"],
    about: "reads through the API, uncached and cached, beside bare node:http"
  },
  {
    id: "api.remote",
    package: "@memory-turso/api",
    script: "bench:remote",
    timeoutSeconds: 180,
    comparisons: ["api.remote.read", "api.remote.batch-10", "api.remote.batch-100"],
    about: "remote calls through the API beside the bare @libsql/client on the test server"
  },
  {
    id: "api.coherence",
    package: "@memory-turso/api",
    script: "bench:coherence",
    timeoutSeconds: 240,
    comparisons: [
      "api.coherence.staleness-embedded",
      "api.coherence.staleness-remote",
      "api.coherence.cost-remote-keepalive",
      "api.coherence.cost-remote-default",
      "api.coherence.cost-embedded"
    ],
    about: "how soon a second API process sees writes through the change feed, and the database requests it costs"
  },
  {
    id: "api.bulk-import",
    package: "@memory-turso/api",
    script: "bench:import",
    timeoutSeconds: 180,
    comparisons: ["api.bulk-import.batch-100", "api.bulk-import.cpu", "api.bulk-import.single-post-cpu"],
    about: "bulk import and single POST through the API beside the in-process engine"
  },
  {
    id: "api.mixed",
    package: "@memory-turso/api",
    script: "bench:mixed",
    timeoutSeconds: 180,
    comparisons: ["api.mixed.on-vs-off", "api.mixed.on-vs-naive"],
    about: "the mixed agent workload with all optimizations off, on, and a naive client"
  },
  {
    id: "api.cache-rss",
    package: "@memory-turso/api",
    script: "bench:rss",
    timeoutSeconds: 300,
    comparisons: ["api.cache-rss.10k"],
    about: "the built API's RSS with 10,000 cached 4 KB episodes under 50 connections of reads, beside 256 MB"
  },
  {
    id: "storage-core.cache-memory",
    package: "@memory-turso/storage-core",
    script: "bench:memory",
    timeoutSeconds: 120,
    comparisons: ["storage-core.cache-memory.per-episode"],
    about: "memory per cached episode beside the record's JSON bytes"
  },
  {
    id: "api.dictionary",
    package: "@memory-turso/api",
    script: "bench:dictionary",
    timeoutSeconds: 180,
    comparisons: [
      "api.dictionary.default-ratio",
      "api.dictionary.default-vs-gzip",
      "api.dictionary.default-ratio.codec-corpus",
      "api.dictionary.default-vs-gzip.codec-corpus"
    ],
    about: "compression ratio with the default configuration beside no compression"
  },
  {
    id: "storage-core.recall",
    package: "@memory-turso/storage-core",
    script: "bench:recall",
    timeoutSeconds: 300,
    comparisons: [
      "storage-core.recall.recall-at-10.all",
      "storage-core.recall.recall-at-10.namespace-10pct",
      "storage-core.recall.p95.all",
      "storage-core.recall.p95.namespace-10pct",
      "storage-core.recall.database-size",
      "storage-core.recall.hybrid-vs-vector",
      "storage-core.recall.hybrid-vs-text"
    ],
    about:
      "the DiskANN index beside the exact scan (recall@10, p95, size), hybrid recall beside vector-only and text-only"
  }
]

/** Whether `pnpm bench -- --only <selector>` runs `section`: the selector is a prefix of its id, or one of its comparison ids. */
export const selects = (selector: string, section: Section): boolean =>
  section.id.startsWith(selector) || section.comparisons.includes(selector)
