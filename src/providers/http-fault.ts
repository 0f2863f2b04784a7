// What an HTTP failure says about retrying: the fault its status and body name, and the delay
// its headers ask for.
import type { ProviderFault } from './errors.js';

/** Classifies an HTTP failure the way both vendors document their errors. */
export function faultFromStatus(status: number | undefined, body: string): ProviderFault {
  if (status === undefined) return 'network';
  if (status === 429)
    return /insufficient_quota|spend[_ ]limit|billing|credit balance/i.test(body)
      ? 'quota'
      : 'rate-limit';
  if (status === 529 || status === 503) return 'overloaded';
  if (status === 408) return 'timeout';
  if (status >= 500) return 'server';
  if (status === 401 || status === 403) return 'auth';
  return 'bad-request';
}

/** `retry-after` (seconds or HTTP date) or `retry-after-ms`, as milliseconds. */
export function retryAfterMs(
  headers: Headers | Record<string, string | undefined> | undefined,
): number | undefined {
  if (!headers) return undefined;
  const get = (k: string) =>
    (headers instanceof Headers ? headers.get(k) : (headers[k] ?? headers[k.toLowerCase()])) ??
    undefined;
  const ms = get('retry-after-ms');
  if (ms && Number.isFinite(Number(ms))) return Number(ms);
  const value = get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : undefined;
}
