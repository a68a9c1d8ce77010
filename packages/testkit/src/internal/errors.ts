/**
 * A Hrana `Error` structure: `{ message, code }`. Thrown inside the executor, it becomes an error result of one
 * stream request (or one batch step); it never escapes as an HTTP error.
 */
export class HranaError extends Error {
  readonly code: string
  constructor(code: string, message: string) {
    super(message)
    this.name = "HranaError"
    this.code = code
  }

  toProto(): { readonly message: string; readonly code: string } {
    return { message: this.message, code: this.code }
  }
}

/** An error that ends the whole HTTP request with a non-2xx status and a JSON `{ message, code }` body. */
export class HttpError extends Error {
  readonly status: number
  readonly code: string
  constructor(status: number, code: string, message: string) {
    super(message)
    this.name = "HttpError"
    this.status = status
    this.code = code
  }
}
