import { ProviderError } from './errors.js';

/**
 * One total deadline for a request: connect, headers and the whole body. The SDKs' own timeouts
 * stop at the headers, so a server that trickles its body would hold a call forever. The
 * deadline aborts the request's signal (the SDKs and node-llama-cpp stop reading) and also
 * settles the race itself, so a backend that ignores the signal cannot outlive it.
 */
export async function withDeadline<T>(
  ms: number,
  outer: AbortSignal | undefined,
  provider: string,
  run: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  let expired = false;
  let timer: NodeJS.Timeout | undefined;
  const onOuter = () => controller.abort(outer?.reason);
  if (outer?.aborted) controller.abort(outer.reason);
  else outer?.addEventListener('abort', onOuter, { once: true });
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      expired = true;
      controller.abort(new Error('deadline'));
      reject(timeoutError(ms, provider));
    }, ms);
  });
  try {
    return await Promise.race([run(controller.signal), deadline]);
  } catch (err) {
    // Whatever the backend threw after our abort, the cause was the deadline.
    if (expired) throw timeoutError(ms, provider);
    throw err;
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', onOuter);
    deadline.catch(() => undefined);
  }
}

function timeoutError(ms: number, provider: string): ProviderError {
  return new ProviderError(
    `${provider}: no complete answer within the ${Math.round(ms / 1000)} s request deadline`,
    'timeout',
    provider,
  );
}
