import type { Usage } from '../providers/types.js';

/**
 * Input tokens a provider may report for a request: the counted prompt (already padded for other
 * vendors' tokenizers) times this factor, plus a fixed allowance for framing the vendor adds
 * (Anthropic's tool-use system prompt is at most 346 tokens). The budget reserves exactly this
 * ceiling, so an accepted answer can never cost more than its reservation.
 */
export const INPUT_USAGE_FACTOR = 1.5;
export const INPUT_USAGE_SLACK = 512;

export function maxAcceptedInput(countedPrompt: number): number {
  return Math.ceil(countedPrompt * INPUT_USAGE_FACTOR) + INPUT_USAGE_SLACK;
}

const FIELDS = [
  'inputTokens',
  'outputTokens',
  'cacheReadTokens',
  'cacheWriteTokens',
  'cacheWrite1hTokens',
] as const;

/**
 * Why a provider's reported usage cannot be believed, or null. Every field must be a finite
 * non-negative integer and the parts must fit in the whole; with `bounds` (token-priced
 * providers), input and output may not exceed what the request could have used.
 */
export function usageProblem(
  usage: unknown,
  bounds?: { maxInput: number; maxOutput: number },
): string | null {
  if (!usage || typeof usage !== 'object') return 'the response carried no usage';
  const u = usage as Record<string, unknown>;
  for (const f of FIELDS) {
    const v = u[f];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)
      return `usage.${f} is ${describe(v)}, not a non-negative integer`;
  }
  const ok = u as unknown as Usage;
  if (ok.cacheReadTokens + ok.cacheWriteTokens > ok.inputTokens)
    return `usage: cached tokens (${ok.cacheReadTokens + ok.cacheWriteTokens}) exceed the input (${ok.inputTokens})`;
  if (ok.cacheWrite1hTokens > ok.cacheWriteTokens)
    return `usage: 1-hour cache writes (${ok.cacheWrite1hTokens}) exceed cache writes (${ok.cacheWriteTokens})`;
  if (!bounds) return null;
  if (ok.inputTokens > bounds.maxInput)
    return `usage: ${ok.inputTokens} input tokens reported for a prompt that allows at most ${bounds.maxInput}`;
  if (ok.outputTokens > bounds.maxOutput)
    return `usage: ${ok.outputTokens} output tokens reported for a request capped at ${bounds.maxOutput}`;
  return null;
}

function describe(v: unknown): string {
  if (v === undefined) return 'missing';
  const text = typeof v === 'string' ? JSON.stringify(v) : String(v);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
