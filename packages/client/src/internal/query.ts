/**
 * A list query as the API reads it: `tags` as repeated `tag`, `metadata` as repeated `metadata=key:value`, every
 * other field as its text (`completed=true`, `limit=10`); absent fields are left out.
 */
export const searchParams = (query: object): URLSearchParams => {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue
    if (key === "tags" && Array.isArray(value)) for (const tag of value) params.append("tag", String(tag))
    else if (key === "metadata" && typeof value === "object" && value !== null)
      for (const [name, text] of Object.entries(value)) params.append("metadata", `${name}:${String(text)}`)
    else params.append(key, String(value))
  }
  return params
}
