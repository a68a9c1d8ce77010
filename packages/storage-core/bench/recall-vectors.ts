// The recall benchmark's vectors: clustered points with a low intrinsic dimension, from a fixed seed, and the
// namespace of each row (every tenth block of CLUSTERS rows in `tenth`).
import { Namespace } from "@memory-turso/model"
import { prng } from "@memory-turso/testkit"
import { DIMENSIONS } from "./recall-corpus.js"

/** Clusters the vectors are drawn around. */
export const CLUSTERS = 100

export const rest = Namespace.make("rest")
export const tenth = Namespace.make("tenth")

const rng = prng(42)
const gauss = () => Math.sqrt(-2 * Math.log(rng() + 1e-12)) * Math.cos(2 * Math.PI * rng())
const centres = Array.from({ length: CLUSTERS }, () => Array.from({ length: DIMENSIONS }, gauss))
/** How many latent directions points vary along within a cluster (real embeddings have a low intrinsic dimension). */
export const LATENT = 16
/** A random projection of the latent space into the vector space (unit-norm columns). */
const projection = Array.from({ length: LATENT }, () => {
  const column = Array.from({ length: DIMENSIONS }, gauss)
  const norm = Math.hypot(...column)
  return column.map((x) => x / norm)
})
/**
 * A point of cluster `c`: its centre, plus an offset along the latent directions (standard deviation 2 each),
 * plus a little isotropic noise (0.05 per dimension).
 */
export const point = (c: number) => {
  const latent = Array.from({ length: LATENT }, () => 2 * gauss())
  return centres[c]!.map((x, d) => {
    let offset = 0
    for (let l = 0; l < LATENT; l++) offset += latent[l]! * projection[l]![d]!
    return x + offset + 0.05 * gauss()
  })
}
/** Row `i`: cluster i % CLUSTERS; rows of every tenth block of CLUSTERS rows (all clusters alike) in `tenth`. */
export const namespaceOf = (i: number) => (Math.floor(i / CLUSTERS) % 10 === 0 ? tenth : rest)
