const ESCAPES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;"
}

/** Text made safe to put in HTML, in element content and in quoted attribute values alike. */
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => ESCAPES[c]!)

/** An element with escaped text content (and no attributes beyond a class). */
export const element = (tag: string, text: string, className?: string): string =>
  `<${tag}${className === undefined ? "" : ` class="${escapeHtml(className)}"`}>${escapeHtml(text)}</${tag}>`

/** An id fit for an HTML anchor, from any text (letters, digits, `-` and `_`; the rest become `-`). */
export const anchorOf = (text: string): string => text.replace(/[^A-Za-z0-9_-]/g, "-")
