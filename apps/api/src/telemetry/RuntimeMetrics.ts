import { readdirSync } from "node:fs"
import { monitorEventLoopDelay, PerformanceObserver } from "node:perf_hooks"
import * as Metric from "effect/Metric"
import * as MetricBoundaries from "effect/MetricBoundaries"
import { series } from "./Series.js"

/** Process and Node.js runtime metrics, under the names Node dashboards expect (prom-client's default set). */
const cpu = {
  user: Metric.counter("process_cpu_user_seconds_total", { description: "User CPU time spent, in seconds." }),
  system: Metric.counter("process_cpu_system_seconds_total", { description: "System CPU time spent, in seconds." }),
  total: Metric.counter("process_cpu_seconds_total", { description: "User and system CPU time spent, in seconds." })
}
const rss = Metric.gauge("process_resident_memory_bytes", { description: "Resident memory size in bytes." })
const startTime = Metric.gauge("process_start_time_seconds", {
  description: "Start time of the process since the Unix epoch, in seconds."
})
const openFds = Metric.gauge("process_open_fds", { description: "Open file descriptors." })
const heapTotal = Metric.gauge("nodejs_heap_size_total_bytes", { description: "V8 heap size in bytes." })
const heapUsed = Metric.gauge("nodejs_heap_size_used_bytes", { description: "V8 heap used in bytes." })
const external = Metric.gauge("nodejs_external_memory_bytes", { description: "Memory of C++ objects bound to JS." })
const lag = (name: string, what: string) =>
  Metric.gauge(`nodejs_eventloop_lag_${name}_seconds`, { description: `Event-loop delay: ${what}, in seconds.` })
const loopLag = { p50: lag("p50", "median"), p99: lag("p99", "99th percentile"), max: lag("max", "maximum") }
const gcKinds: Record<number, string> = { 1: "minor", 2: "major", 4: "incremental", 8: "weakcb" }
const gcDuration = Metric.histogram(
  "nodejs_gc_duration_seconds",
  MetricBoundaries.fromIterable([0.001, 0.01, 0.1, 1, 2, 5]),
  "Garbage collection pauses, by kind, in seconds."
)
const gcByKind = Object.fromEntries(Object.entries(gcKinds).map(([flag, kind]) => [flag, series(gcDuration, { kind })]))
const version = Metric.gauge("nodejs_version_info", { description: "1, with the Node.js version as labels." })

let loop: ReturnType<typeof monitorEventLoopDelay> | undefined
let lastCpu = { user: 0, system: 0 }

/**
 * Starts what runtime metrics watch (once per process): the event-loop delay monitor and the GC observer.
 * Neither keeps the process alive.
 */
const start = () => {
  if (loop !== undefined) return
  loop = monitorEventLoopDelay({ resolution: 10 })
  loop.enable()
  const gc = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as { detail?: { kind?: number } }).detail?.kind ?? 0
      gcByKind[kind]?.update(entry.duration / 1000)
    }
  })
  gc.observe({ entryTypes: ["gc"] })
  startTime.unsafeUpdate(Math.round(Date.now() / 1000 - process.uptime()), [])
  const [major, minor, patch] = process.versions.node.split(".")
  series(version, {
    version: process.versions.node,
    major: major ?? "",
    minor: minor ?? "",
    patch: patch ?? ""
  }).update(1)
  for (const kind of Object.values(gcByKind)) kind.touch()
  for (const gauge of Object.values(loopLag)) gauge.unsafeValue([])
}

const openFdCount = (): number | undefined => {
  try {
    return readdirSync("/proc/self/fd").length
  } catch {
    return undefined
  }
}

/** Reads the process and runtime figures into their metrics (call before each export). */
export const collectRuntime = (): void => {
  start()
  const usage = process.cpuUsage()
  const user = usage.user / 1e6
  const system = usage.system / 1e6
  cpu.user.unsafeUpdate(user - lastCpu.user, [])
  cpu.system.unsafeUpdate(system - lastCpu.system, [])
  cpu.total.unsafeUpdate(user - lastCpu.user + system - lastCpu.system, [])
  lastCpu = { user, system }
  const memory = process.memoryUsage()
  rss.unsafeUpdate(memory.rss, [])
  heapTotal.unsafeUpdate(memory.heapTotal, [])
  heapUsed.unsafeUpdate(memory.heapUsed, [])
  external.unsafeUpdate(memory.external, [])
  const fds = openFdCount()
  if (fds !== undefined) openFds.unsafeUpdate(fds, [])
  if (loop !== undefined && loop.count > 0) {
    loopLag.p50.unsafeUpdate(loop.percentile(50) / 1e9, [])
    loopLag.p99.unsafeUpdate(loop.percentile(99) / 1e9, [])
    loopLag.max.unsafeUpdate(loop.max / 1e9, [])
  }
}
