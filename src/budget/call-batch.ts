import type { AnthropicProvider } from '../providers/anthropic.js';
import { ProviderError } from '../providers/errors.js';
import type { ChatRequest, ChatResult } from '../providers/types.js';
import type { Budget } from './budget.js';
import type { CallRecorder } from './call-model.js';
import { estimateInputTokens } from './estimate-tokens.js';
import type { PriceBook, PricedModel } from './prices.js';

/**
 * Non-urgent work through the Message Batches API at half price. Each request reserves its worst
 * case at the batch price before the batch is sent (reservations live as long as a batch may take),
 * and is settled from its own result; a failed request is released, never billed.
 */
export async function callModelBatch(o: {
  tier: string;
  provider: AnthropicProvider;
  model: string;
  priced: PricedModel;
  requests: ChatRequest[];
  budget: Budget;
  prices: PriceBook;
  recorder: CallRecorder;
  pollMs?: number;
}): Promise<(ChatResult | ProviderError)[]> {
  const meta = { tier: o.tier, provider: o.provider.name, model: o.model };
  const reservations = [];
  try {
    for (const r of o.requests) {
      const worst = o.prices.worstCase(o.priced, await estimateInputTokens(r, 'anthropic'), r.maxOutputTokens) * 0.5;
      reservations.push(await o.budget.reserve(worst, meta));
    }
  } catch (err) {
    for (const res of reservations) await o.budget.release(res);
    throw err; // the whole batch is refused rather than half-sent
  }
  let results: (ChatResult | ProviderError)[];
  try {
    results = await o.provider.chatBatch(o.model, o.requests, { pollMs: o.pollMs });
  } catch (err) {
    for (const res of reservations) await o.budget.release(res);
    throw err;
  }
  for (const [i, r] of results.entries()) {
    if (r instanceof ProviderError) {
      await o.budget.release(reservations[i]!);
      o.recorder.add({ ...meta, usage: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, cacheWrite1hTokens: 0 }, usd: 0, outcome: 'failed', reason: r.fault, latencyMs: 0 });
      continue;
    }
    const usd = o.prices.cost(o.priced, r.usage, { batch: true });
    await o.budget.settle(reservations[i]!, usd, { ...meta, usage: r.usage, outcome: r.finishReason, batch: true });
    o.recorder.add({ ...meta, usage: r.usage, usd, outcome: r.finishReason === 'stop' ? 'ok' : 'failed', latencyMs: r.latencyMs });
  }
  return results;
}
