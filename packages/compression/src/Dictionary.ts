/**
 * Raw-content zstd dictionaries (zstd-codec cannot train one): stored documents, back to back.
 *
 * @since 0.1.0
 */

/**
 * The last `size` bytes of `samples` laid end to end, the newest last (zstd reaches the end of a raw dictionary
 * with the shortest offsets). On realistic 4 KB episodes a 64 KiB one takes zstd-3 from 0.48 to about 0.30
 * (`pnpm --filter @memory-turso/compression bench`).
 *
 * @since 0.1.0
 */
export const fromSamples = (samples: ReadonlyArray<Uint8Array>, size: number): Uint8Array => {
  const total = samples.reduce((n, s) => n + s.length, 0)
  const all = new Uint8Array(total)
  let offset = 0
  for (const sample of samples) {
    all.set(sample, offset)
    offset += sample.length
  }
  return all.slice(Math.max(0, total - size))
}
