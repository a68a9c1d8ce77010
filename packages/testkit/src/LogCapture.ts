import * as Logger from "effect/Logger"
import type * as LogLevel from "effect/LogLevel"

/**
 * The warning Effect's TestClock logs when a fiber sleeps on it for 5 s of real time without an adjust. A test
 * that also waits on real sockets can take that long on a slow machine; the warning is not the code under test.
 */
const testClockWarning = "Warning: A test is using time, but is not advancing the test clock"

/**
 * Collects the messages logged at `minimum` or above (Effect's own TestClock warning excluded). Provide `layer`
 * to the effect whose logs are wanted; read `messages` after.
 */
export const captureLogs = (minimum: LogLevel.LogLevel) => {
  const messages: Array<string> = []
  const logger = Logger.make(({ logLevel, message }) => {
    if (logLevel.ordinal < minimum.ordinal) return
    const text = Array.isArray(message) ? message.join(" ") : String(message)
    if (!text.startsWith(testClockWarning)) messages.push(text)
  })
  return { messages, layer: Logger.replace(Logger.defaultLogger, logger) }
}
