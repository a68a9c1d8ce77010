import * as Option from "effect/Option"
import * as Tracer from "effect/Tracer"

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(?:-.*)?$/
const ZERO_TRACE = "0".repeat(32)
const ZERO_SPAN = "0".repeat(16)

/**
 * The caller's span from a W3C `traceparent` header (`00-<trace id>-<parent id>-<flags>`), or `undefined` when the
 * header is absent or malformed (version ff, all-zero ids, upper case: ignored as the spec says).
 */
export const parseTraceparent = (header: string | undefined): Tracer.ExternalSpan | undefined => {
  if (header === undefined || header.length > 512) return undefined
  const match = TRACEPARENT.exec(header.trim())
  if (match === null) return undefined
  const [, version, traceId, spanId, flags] = match
  if (version === "ff" || (version === "00" && header.trim().length !== 55)) return undefined
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return undefined
  return Tracer.externalSpan({ traceId: traceId!, spanId: spanId!, sampled: (Number.parseInt(flags!, 16) & 1) === 1 })
}

/** The `traceparent` value that names a span (for a response header or an outgoing call). */
export const traceparentOf = (span: Tracer.AnySpan): string =>
  `00-${span.traceId}-${span.spanId}-${span.sampled ? "01" : "00"}`

/**
 * A tracer that exports a sampled share of traces: a trace's first span is sampled with probability `ratio` (or as
 * the caller's `traceparent` says), every later span of the trace follows its parent. Sampled spans come from
 * `exporting`; the others from `local`, marked unsampled (they still carry the trace id into log lines).
 */
export const sampling = (exporting: Tracer.Tracer, local: Tracer.Tracer, ratio: number): Tracer.Tracer =>
  Tracer.make({
    span(name, parent, context, links, startTime, kind) {
      const sampled = Option.isSome(parent) ? parent.value.sampled : ratio >= 1 || Math.random() < ratio
      if (sampled) return exporting.span(name, parent, context, links, startTime, kind)
      const span = local.span(name, parent, context, links, startTime, kind)
      return Object.assign(span, { sampled: false })
    },
    context: (f, fiber) => exporting.context(f, fiber)
  })
