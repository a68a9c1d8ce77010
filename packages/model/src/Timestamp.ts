import * as Schema from "effect/Schema"

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:[Zz]|[+-]\d{2}:\d{2})$/

/** Milliseconds since the epoch of an RFC 3339 timestamp (sub-millisecond digits are dropped). */
export const timestampMillis = (s: string): number => Date.parse(s)

/**
 * An RFC 3339 timestamp, kept exactly as written (so any precision survives a round trip); ordering and range
 * filters use its millisecond value.
 */
export const Timestamp = Schema.String.pipe(
  Schema.filter((s) => (RFC3339.test(s) && Number.isFinite(timestampMillis(s))) || "expected an RFC 3339 timestamp"),
  Schema.annotations({
    identifier: "Timestamp",
    arbitrary: () => (fc) =>
      fc
        .date({
          min: new Date("1970-01-01T00:00:00.000Z"),
          max: new Date("9999-12-31T23:59:59.999Z"),
          noInvalidDate: true
        })
        .map((d) => d.toISOString())
  })
)

/** The current time as an ISO 8601 string with millisecond precision. */
export const now = (): string => new Date().toISOString()
