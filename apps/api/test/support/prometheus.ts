import parsePrometheusTextFormat from "parse-prometheus-text-format"

/** One metric family as the exposition parser reads it. */
export interface Family {
  readonly name: string
  readonly help: string
  readonly type: "COUNTER" | "GAUGE" | "HISTOGRAM" | "SUMMARY" | "UNTYPED"
  readonly metrics: ReadonlyArray<{
    readonly value?: string
    readonly labels?: Readonly<Record<string, string>>
    readonly buckets?: Readonly<Record<string, string>>
    readonly count?: string
    readonly sum?: string
  }>
}

/** Parses Prometheus text with a real exposition-format parser; families by name. */
export const parse = (text: string): ReadonlyMap<string, Family> =>
  new Map((parsePrometheusTextFormat(text) as ReadonlyArray<Family>).map((f) => [f.name, f]))

const matches = (labels: Readonly<Record<string, string>> | undefined, wanted: Record<string, string>) =>
  Object.entries(wanted).every(([k, v]) => labels?.[k] === v)

/** The value of the series of `name` with (at least) these labels; 0 when there is none. */
export const seriesValue = (
  families: ReadonlyMap<string, Family>,
  name: string,
  labels: Record<string, string> = {}
): number => {
  const family = families.get(name)
  const series = family?.metrics.find((m) => matches(m.labels, labels))
  if (series === undefined) return 0
  return Number(series.value ?? series.count)
}

/**
 * The value of one sample line of a Prometheus text: the series `name` with (at least) these labels; 0 when there is
 * none. (The parser above folds the series of a labelled histogram into one, so histogram samples are read here.)
 */
export const sampleOf = (text: string, name: string, labels: Record<string, string> = {}): number => {
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) {
      return Number(line.slice(line.lastIndexOf(" ") + 1))
    }
  }
  return 0
}

/** The series keys (`name{sorted labels}`) of the sample lines of a Prometheus text, in order, duplicates kept. */
export const seriesKeys = (text: string): ReadonlyArray<string> =>
  text
    .split("\n")
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => {
      const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? /.exec(line)
      if (match === null) return `unparsable: ${line}`
      const labels = (match[3] ?? "").split(/,(?=[a-zA-Z_]+=")/).filter((l) => l !== "")
      return `${match[1]}{${labels.sort().join(",")}}`
    })
