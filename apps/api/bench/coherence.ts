// Coherence of caches across API processes on one database, through the change feed (issue 14):
//   staleness: two API processes with the default [cache] (coherence_interval_ms 250, max_staleness_ms 2000) on one
//     embedded file, and on the test server (rtt 10 ms); how long after a write's reply the second process first
//     answers the new value (it held the old one in its cache), p50/p99/max;
//   cost: database requests per second of one idle API process with its caches (and so the feed) on, beside the
//     same process with them off, on the test server with keep-alive at its default (pings every 30 s) and pinging
//     every 0.25 s (as often as the feed is read: the feed's reads ride in the pings), and on an embedded file.
// Run: pnpm --filter @memory-turso/api bench:coherence   (BENCH_QUICK=1: fewer writes, shorter idle windows)
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type Comparison, emit, type Figure, latencyOf, quickOr, type Setting } from "@memory-turso/bench"
import { startTestServer } from "@memory-turso/testkit"
import { type Replica, type Sections, startReplica, visibilityDelays } from "./replicas.js"

const WRITES = quickOr(40, 150)
const KEYS = 10
const IDLE_MS = quickOr(4000, 10_000)
const RTT_MS = 10
const INTERVAL_MS = 250
const MAX_STALENESS_MS = 2000
const REMOTE: Setting = `remote test server (rtt ${RTT_MS} ms)`
const EMBEDDED: Setting = "local, embedded"

const dir = mkdtempSync(join(tmpdir(), "memory-turso-coherence-bench-"))
const server = await startTestServer({ network: { rtt_ms: RTT_MS } })
const running: Array<Replica> = []
const start = async (name: string, url: string, sections: Sections) => {
  const replica = await startReplica(dir, name, url, sections)
  running.push(replica)
  return replica
}
const stop = async (replica: Replica) => {
  running.splice(running.indexOf(replica), 1)
  await replica.stop()
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** The second process's staleness after writes through the first, both with the default [cache]. */
const staleness = async (name: string, url: string) => {
  const writer = await start(`${name}-writer`, url, {})
  const follower = await start(`${name}-follower`, url, {})
  await visibilityDelays(writer, follower, 3, KEYS) // warm-up
  const delays = await visibilityDelays(writer, follower, WRITES, KEYS)
  const cache = await follower.cache()
  await stop(writer)
  await stop(follower)
  return { delays, cache }
}

/** Database requests per second of one idle API process over `IDLE_MS`, counted by `requests` (after start-up). */
const idleRate = async (name: string, url: string, sections: Sections, requests: (r: Replica) => Promise<number>) => {
  const replica = await start(name, url, sections)
  await sleep(1000) // start-up's own calls and first pings are over
  const before = await requests(replica)
  await sleep(IDLE_MS)
  const rate = ((await requests(replica)) - before) / (IDLE_MS / 1000)
  const cache = sections["cache"]?.["enabled"] === false ? undefined : await replica.cache()
  await stop(replica)
  return { rate, cache }
}

const serverRequests = async () => server.stats().requests
/** The calls an embedded process made (its `/metrics` `database` section; the /metrics read itself makes none). */
const databaseCalls = async (replica: Replica) => {
  const db = await replica.database()
  return (db["executes"] ?? 0) + (db["batches"] ?? 0) + (db["transactions"] ?? 0)
}

try {
  const embeddedStaleness = await staleness("embedded", `file:${join(dir, "staleness.db")}`)
  const remoteStaleness = await staleness("remote", server.url)

  const fast = { keepalive: { interval_secs: 0.25 } }
  const off = { cache: { enabled: false } }
  const remoteOff = await idleRate("remote-off", server.url, off, serverRequests)
  const remoteOn = await idleRate("remote-on", server.url, {}, serverRequests)
  const fastOff = await idleRate("remote-fast-off", server.url, { ...fast, ...off }, serverRequests)
  const fastOn = await idleRate("remote-fast-on", server.url, fast, serverRequests)
  const embeddedFile = `file:${join(dir, "idle.db")}`
  const embeddedOff = await idleRate("embedded-off", embeddedFile, off, databaseCalls)
  const embeddedOn = await idleRate("embedded-on", embeddedFile, {}, databaseCalls)

  const stalenessComparison = (id: string, setting: Setting, delays: ReadonlyArray<number>): Comparison => {
    const latency = latencyOf("second process: ms until a write is seen", delays, "subject")
    return {
      id,
      title: `How long a write through one API process takes to be seen by another that cached the old value (${setting})`,
      setting,
      subject: { name: "p99 ms until seen by the second process", value: latency.p99, unit: "ms" },
      baseline: { name: "coherence_interval_ms", value: INTERVAL_MS, unit: "ms" },
      ratio: latency.p99 / INTERVAL_MS,
      goal: {
        text: `every write seen within max_staleness_ms (${MAX_STALENESS_MS} ms)`,
        met: (latency.max ?? Number.POSITIVE_INFINITY) <= MAX_STALENESS_MS
      },
      latency: [latency]
    }
  }
  const rate = (name: string, value: number): Figure => ({ name, value, unit: "requests/s" })
  const cost = (
    id: string,
    title: string,
    setting: Setting,
    on: { rate: number },
    baseline: { rate: number },
    goal?: string
  ): Comparison => {
    const extra = on.rate - baseline.rate
    return {
      id,
      title,
      setting,
      subject: rate("caches following the feed", on.rate),
      baseline: rate("caches off", baseline.rate),
      ratio: baseline.rate === 0 ? Number.NaN : on.rate / baseline.rate,
      ...(goal === undefined ? {} : { goal: { text: goal, met: extra <= 0.25 } })
    }
  }
  const comparisons: Array<Comparison> = [
    stalenessComparison("api.coherence.staleness-embedded", EMBEDDED, embeddedStaleness.delays),
    stalenessComparison("api.coherence.staleness-remote", REMOTE, remoteStaleness.delays),
    cost(
      "api.coherence.cost-remote-keepalive",
      "Database requests/s of an idle API process, caches on vs off, keep-alive pinging every 0.25 s (the feed reads ride in its pings)",
      REMOTE,
      fastOn,
      fastOff,
      "no extra requests (within 0.25/s)"
    ),
    cost(
      "api.coherence.cost-remote-default",
      "Database requests/s of an idle API process, caches on vs off, keep-alive at its default (pings every 30 s)",
      REMOTE,
      remoteOn,
      remoteOff
    ),
    cost(
      "api.coherence.cost-embedded",
      "Database calls/s of an idle API process, caches on vs off (embedded: local calls, no network)",
      EMBEDDED,
      embeddedOn,
      embeddedOff
    )
  ]
  const extra = (on: { rate: number }, off: { rate: number }) => on.rate - off.rate
  emit({
    section: "api.coherence",
    command: "pnpm --filter @memory-turso/api bench:coherence",
    comparisons,
    figures: [
      {
        ...rate("extra requests/s per replica, remote, keep-alive every 0.25 s", extra(fastOn, fastOff)),
        setting: REMOTE
      },
      {
        ...rate("extra requests/s per replica, remote, keep-alive default", extra(remoteOn, remoteOff)),
        setting: REMOTE
      },
      { ...rate("extra calls/s per replica, embedded", extra(embeddedOn, embeddedOff)), setting: EMBEDDED },
      {
        name: "feed reads carried by keep-alive pings, remote, keep-alive every 0.25 s",
        value: fastOn.cache?.["feed_reads_carried"] ?? 0,
        unit: `of ${fastOn.cache?.["feed_reads"] ?? 0} reads`,
        setting: REMOTE
      },
      {
        name: "feed reads carried by keep-alive pings, remote, keep-alive default",
        value: remoteOn.cache?.["feed_reads_carried"] ?? 0,
        unit: `of ${remoteOn.cache?.["feed_reads"] ?? 0} reads`,
        setting: REMOTE
      },
      {
        name: "entries the second process's feed dropped (embedded / remote)",
        value:
          (embeddedStaleness.cache["feed_invalidations"] ?? 0) + (remoteStaleness.cache["feed_invalidations"] ?? 0),
        unit: "entries",
        setting: "both"
      }
    ],
    notes: [
      `staleness: ${WRITES} writes over ${KEYS} keys after 3 warm-up writes; before each, the second process reads the key (its cache holds the old value); after the write's reply, it is read through the second process every ~2 ms until it answers the new value (those reads are cache hits until the feed is read)`,
      `cost: one API process alone, idle for ${IDLE_MS / 1000} s after a 1 s settle; remote: the test server's request counter (pings included); embedded: the process's own database calls (/metrics database)`,
      "defaults: coherence_interval_ms 250, max_staleness_ms 2000; keep-alive interval_secs 30 (a ping is due after 15 s idle); 'every 0.25 s': keepalive.interval_secs = 0.25"
    ]
  })
} finally {
  for (const replica of [...running]) await replica.stop()
  await server.destroy()
  rmSync(dir, { recursive: true, force: true })
}
