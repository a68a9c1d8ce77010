import * as Context from "effect/Context"
import * as FiberRef from "effect/FiberRef"
import * as FiberRefs from "effect/FiberRefs"
import * as HashMap from "effect/HashMap"
import type * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Option from "effect/Option"
import * as Tracer from "effect/Tracer"

/**
 * A logger that adds the current span's `trace_id` and `span_id` to a line's annotations (when the line is written
 * inside a span: every request answered through the Effect runtime has its server span).
 */
export const withTraceIds = <Message, Output>(logger: Logger.Logger<Message, Output>): Logger.Logger<Message, Output> =>
  Logger.mapInputOptions(logger, (options) => {
    const context = FiberRefs.getOrDefault(options.context, FiberRef.currentContext)
    const span = Context.getOption(context, Tracer.ParentSpan)
    if (Option.isNone(span)) return options
    return {
      ...options,
      annotations: options.annotations.pipe(
        HashMap.set("trace_id", span.value.traceId as unknown),
        HashMap.set("span_id", span.value.spanId as unknown)
      )
    }
  })

/** Effect's JSON logger on stdout, with trace and span ids: the API's log lines. */
export const json: Layer.Layer<never> = Logger.replace(
  Logger.defaultLogger,
  Logger.withConsoleLog(withTraceIds(Logger.jsonLogger))
)

/** The same JSON lines on stderr (the line written when start-up fails). */
export const jsonStderr: Layer.Layer<never> = Logger.replace(
  Logger.defaultLogger,
  Logger.withConsoleError(withTraceIds(Logger.jsonLogger))
)
