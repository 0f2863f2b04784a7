import { DistiqError, ExitCode } from '../errors.js';

export type ProviderFault =
  | 'rate-limit' // 429, retry after the advertised delay
  | 'quota' // 429 insufficient_quota / spend limit: stop, retrying cannot help
  | 'overloaded' // 529 / 503
  | 'server' // other 5xx
  | 'timeout'
  | 'network'
  | 'auth' // 401 / 403
  | 'bad-request' // 400 / 404 / 413 / 422
  | 'truncated' // cut at max tokens
  | 'invalid-output' // not JSON, or not the schema
  | 'bad-response' // HTTP 200 that is not the documented shape (HTML, no usage, lying usage)
  | 'refusal'
  | 'aborted';

/** A failed model call. It knows whether trying again can help, and after how long. */
export class ProviderError extends DistiqError {
  constructor(
    message: string,
    readonly fault: ProviderFault,
    readonly provider: string,
    readonly status?: number,
    readonly retryAfterMs?: number,
    /** Usage of a call that failed after the provider billed it (truncation, bad JSON). */
    readonly usage?: import('./types.js').Usage,
  ) {
    super(message, ExitCode.NOT_FIXED);
  }

  /** Same provider, after a backoff. */
  get retryable(): boolean {
    return (
      this.fault === 'rate-limit' ||
      this.fault === 'overloaded' ||
      this.fault === 'server' ||
      this.fault === 'timeout' ||
      this.fault === 'network'
    );
  }

  /** Retried once with the error as feedback (the model answered, badly). */
  get correctable(): boolean {
    return this.fault === 'truncated' || this.fault === 'invalid-output';
  }
}

/** The start of a body a provider should not have sent, for the report (redacted at every edge). */
export function excerpt(body: unknown, chars = 200): string {
  const text = typeof body === 'string' ? body : (JSON.stringify(body) ?? String(body));
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > chars ? `${flat.slice(0, chars)}…` : flat;
}
