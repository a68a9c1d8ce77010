declare module "parse-prometheus-text-format" {
  /** Parses Prometheus text exposition into families (prom2json's shape). */
  const parse: (text: string) => ReadonlyArray<unknown>
  export default parse
}
