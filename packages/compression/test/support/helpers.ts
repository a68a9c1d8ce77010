import * as Effect from "effect/Effect"
import * as Envelope from "../../src/Envelope.js"

export const utf8 = new TextEncoder()

/** Concatenated realistic episodes / repetitive filler / random bytes of an exact size. */
export const repetitive = (length: number, unit = "abcabcabd0123"): Uint8Array => {
  const out = new Uint8Array(length)
  const pattern = utf8.encode(unit)
  for (let i = 0; i < length; i++) out[i] = pattern[i % pattern.length]!
  return out
}

/** Half random, half zeros in 4 KiB blocks: compresses to about 0.5. */
export const mixed = (length: number, seed: number): Uint8Array => {
  const out = new Uint8Array(length)
  let x = seed >>> 0
  for (let i = 0; i < length; i++) {
    if ((i >> 12) % 2 === 0) {
      x = (Math.imul(x, 1664525) + 1013904223) >>> 0
      out[i] = x >>> 24
    }
  }
  return out
}

export const equalBytes = (a: Uint8Array, b: Uint8Array): boolean =>
  a.length === b.length &&
  Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.length), Buffer.from(b.buffer, b.byteOffset, b.length)) === 0

export const header = (bytes: Uint8Array) => {
  const result = Envelope.readHeader(bytes)
  if (result._tag === "Left") throw new Error(result.left.reason)
  return result.right
}

export const expectFailure = <A, E>(effect: Effect.Effect<A, E>) => Effect.flip(effect)
