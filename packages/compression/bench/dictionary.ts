/**
 * Raw-content zstd dictionaries from a training set (zstd-codec cannot train one).
 *
 * - `concatenated`: the last `size` bytes of the training documents, back to back (`Dictionary.fromSamples`).
 * - `cover`: a small greedy take on zstd's COVER algorithm: split the samples into segments, score each
 *   segment by how many training documents contain its k-mers (each k-mer counted once, across all
 *   chosen segments), take the best segments until `size`, best last (nearest the data, cheapest offsets).
 */

import { fromSamples } from "../src/Dictionary.js"

const hashAt = (bytes: Uint8Array, at: number, k: number): number => {
  let h = 0x811c9dc5
  for (let i = 0; i < k; i++) h = Math.imul(h ^ bytes[at + i]!, 0x01000193)
  return h >>> 0
}

export const concatenated = fromSamples

interface Segment {
  readonly sample: number
  readonly start: number
  score: number
}

export const cover = (samples: ReadonlyArray<Uint8Array>, size: number, k = 8, segmentBytes = 192): Uint8Array => {
  // Document frequency of every k-mer.
  const frequency = new Map<number, number>()
  for (const sample of samples) {
    const seen = new Set<number>()
    for (let i = 0; i + k <= sample.length; i++) seen.add(hashAt(sample, i, k))
    for (const h of seen) frequency.set(h, (frequency.get(h) ?? 0) + 1)
  }
  const covered = new Set<number>()
  const scoreOf = (segment: Segment) => {
    const sample = samples[segment.sample]!
    const end = Math.min(sample.length, segment.start + segmentBytes)
    const seen = new Set<number>()
    let score = 0
    for (let i = segment.start; i + k <= end; i++) {
      const h = hashAt(sample, i, k)
      if (seen.has(h) || covered.has(h)) continue
      seen.add(h)
      const df = frequency.get(h) ?? 0
      if (df > 1) score += df
    }
    return score
  }
  const segments: Array<Segment> = []
  samples.forEach((sample, index) => {
    for (let start = 0; start + k <= sample.length; start += segmentBytes / 2) {
      const segment = { sample: index, start, score: 0 }
      segment.score = scoreOf(segment)
      segments.push(segment)
    }
  })
  // Lazy greedy: scores only fall as k-mers get covered, so re-score the top until it stays on top.
  segments.sort((a, b) => b.score - a.score)
  const chosen: Array<{ bytes: Uint8Array; score: number }> = []
  let used = 0
  while (used < size && segments.length > 0) {
    const top = segments[0]!
    const fresh = scoreOf(top)
    if (fresh <= 0) break
    if (segments.length > 1 && fresh < segments[1]!.score) {
      top.score = fresh
      // Re-insert in order (binary search on descending scores).
      segments.shift()
      let lo = 0
      let hi = segments.length
      while (lo < hi) {
        const mid = (lo + hi) >>> 1
        if (segments[mid]!.score > fresh) lo = mid + 1
        else hi = mid
      }
      segments.splice(lo, 0, top)
      continue
    }
    segments.shift()
    const sample = samples[top.sample]!
    const bytes = sample.subarray(top.start, Math.min(sample.length, top.start + segmentBytes))
    for (let i = 0; i + k <= bytes.length; i++) covered.add(hashAt(bytes, i, k))
    chosen.push({ bytes, score: fresh })
    used += bytes.length
  }
  // Best segments last: zstd reaches the end of a raw dictionary with the shortest offsets.
  chosen.reverse()
  return concatenated(
    chosen.map((c) => c.bytes),
    size
  )
}
