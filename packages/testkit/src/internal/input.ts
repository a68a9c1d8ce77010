/**
 * Validation of the inputs shared by the TypeScript API and the admin routes: the server configuration and fault
 * specifications. Bad input is an `InvalidInputError` with a stable `code`.
 */
import * as Data from "effect/Data"

/** Stable codes of rejected admin input. */
export type InputErrorCode = "INVALID_JSON" | "INVALID_CONFIG" | "INVALID_FAULT" | "INVALID_DATABASE"

/** Rejected configuration, fault or database input (HTTP 400 on the admin routes). */
export class InvalidInputError extends Data.TaggedError("InvalidInputError")<{
  readonly code: InputErrorCode
  readonly message: string
}> {}

/** The network model and server timeouts; every knob can be changed at run time. */
export interface SimConfig {
  /** Added to every non-admin request: half before it runs, half before its response is written. */
  readonly rtt_ms: number
  /** Added once, to the first non-admin request of each new TCP connection (TCP + TLS handshake). */
  readonly connect_ms: number
  /** Sockets idle longer than this are closed by the server; 0 keeps them open forever. */
  readonly idle_timeout_ms: number
  /** A stream without a request for this long is rolled back and closed. */
  readonly stream_timeout_ms: number
  /** How long a statement waits for the write lock another stream holds before failing with SQLITE_BUSY. */
  readonly busy_timeout_ms: number
  /** Largest request body of a data request; a larger one is answered 413 `BODY_TOO_LARGE`. */
  readonly max_body_bytes: number
}

export const DEFAULT_CONFIG: SimConfig = {
  rtt_ms: 0,
  connect_ms: 0,
  idle_timeout_ms: 0,
  stream_timeout_ms: 10_000,
  busy_timeout_ms: 5_000,
  max_body_bytes: 64 * 1024 * 1024
}

const MAX_MS = 2_147_483_647

/** A fault to inject; the JSON body of `POST /_sim/fault` has the same shape. */
export type FaultSpec =
  | {
      readonly kind: "fail"
      readonly count?: number | undefined
      readonly status?: number | undefined
      readonly message?: string | undefined
    }
  | { readonly kind: "reset"; readonly count?: number | undefined; readonly after_execute?: boolean | undefined }
  | { readonly kind: "stall"; readonly count?: number | undefined; readonly ms?: number | undefined }
  | { readonly kind: "stop_accepting"; readonly ms?: number | undefined }
  | { readonly kind: "resume" }
  | { readonly kind: "clear" }

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const checkKeys = (input: Record<string, unknown>, allowed: ReadonlyArray<string>, code: InputErrorCode) => {
  for (const key of Object.keys(input)) {
    if (!allowed.includes(key)) throw new InvalidInputError({ code, message: `Unknown field ${JSON.stringify(key)}` })
  }
}

const checkNumber = (
  input: Record<string, unknown>,
  key: string,
  code: InputErrorCode,
  { min, max, integer }: { readonly min: number; readonly max: number; readonly integer?: boolean }
): number | undefined => {
  const value = input[key]
  if (value === undefined) return undefined
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max) {
    throw new InvalidInputError({ code, message: `${key} must be a number from ${min} to ${max}` })
  }
  if (integer === true && !Number.isInteger(value)) {
    throw new InvalidInputError({ code, message: `${key} must be an integer` })
  }
  return value
}

/** Validates a partial configuration. */
export const parseConfigPatch = (input: unknown): Partial<SimConfig> => {
  if (!isRecord(input)) throw new InvalidInputError({ code: "INVALID_CONFIG", message: "Expected a JSON object" })
  const keys = Object.keys(DEFAULT_CONFIG)
  checkKeys(input, keys, "INVALID_CONFIG")
  const patch: Record<string, number> = {}
  for (const key of keys) {
    const min = key === "stream_timeout_ms" || key === "max_body_bytes" ? 1 : 0
    const integer = key === "max_body_bytes"
    const value = checkNumber(input, key, "INVALID_CONFIG", { min, max: MAX_MS, integer })
    if (value !== undefined) patch[key] = value
  }
  return patch as Partial<SimConfig>
}

/** Validates a fault specification. */
export const parseFault = (input: unknown): FaultSpec => {
  const code = "INVALID_FAULT"
  if (!isRecord(input)) throw new InvalidInputError({ code, message: "Expected a JSON object with a `kind`" })
  const count = (): number | undefined => checkNumber(input, "count", code, { min: 1, max: 1_000_000, integer: true })
  const ms = (): number | undefined => checkNumber(input, "ms", code, { min: 0, max: MAX_MS })
  switch (input.kind) {
    case "fail": {
      checkKeys(input, ["kind", "count", "status", "message"], code)
      const status = checkNumber(input, "status", code, { min: 500, max: 599, integer: true })
      if (input.message !== undefined && typeof input.message !== "string") {
        throw new InvalidInputError({ code, message: "message must be a string" })
      }
      return { kind: "fail", count: count(), status, message: input.message as string | undefined }
    }
    case "reset":
      checkKeys(input, ["kind", "count", "after_execute"], code)
      if (input.after_execute !== undefined && typeof input.after_execute !== "boolean") {
        throw new InvalidInputError({ code, message: "after_execute must be a boolean" })
      }
      if (input.after_execute !== undefined && input.count === undefined) {
        throw new InvalidInputError({ code, message: "after_execute needs a count" })
      }
      return { kind: "reset", count: count(), after_execute: input.after_execute as boolean | undefined }
    case "stall":
      checkKeys(input, ["kind", "count", "ms"], code)
      return { kind: "stall", count: count(), ms: ms() }
    case "stop_accepting":
      checkKeys(input, ["kind", "ms"], code)
      return { kind: "stop_accepting", ms: ms() }
    case "resume":
    case "clear":
      checkKeys(input, ["kind"], code)
      return { kind: input.kind }
    default:
      throw new InvalidInputError({
        code,
        message: "kind must be one of fail, reset, stall, stop_accepting, resume, clear"
      })
  }
}
