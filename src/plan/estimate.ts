import { countTokens } from 'gpt-tokenizer';
import type { PriceBook } from '../budget/prices.js';
import type { ChatMessage } from '../providers/types.js';
import type { TierLadder } from '../routing/router.js';
import type { PlanTask } from './types.js';

export interface TaskEstimate {
  /** Tokens of the first prompt the task would send, and the part that is the job's shared prefix. */
  inputTokens: number;
  prefixTokens: number;
  /** A guess: proportional to the failures (fix) or to the planned code (implement), capped at maxOutputTokens. */
  outputTokens: number;
  /** One attempt on the first model of each tier; the prefix counted as a cache read after the first task. */
  usdByTier: Record<string, { model: string; usd: number }>;
}

/** What each task would send and cost per tier, for `distiq plan`: computed, nothing sent. */
export function estimateTasks(
  tasks: PlanTask[],
  messagesFor: (t: PlanTask) => ChatMessage[],
  ladders: TierLadder[],
  prices: PriceBook,
  maxOutputTokens: number,
): TaskEstimate[] {
  return tasks.map((task, i) => {
    const messages = messagesFor(task);
    const sizes = messages.map((m) => countTokens(m.content) + 4);
    const last = messages.map((m) => Boolean(m.cacheBreakpoint)).lastIndexOf(true);
    const prefixTokens = last < 0 ? 0 : sizes.slice(0, last + 1).reduce((a, b) => a + b, 0);
    const inputTokens = sizes.reduce((a, b) => a + b, 0);
    const planned = task.changes.flatMap((f) => f.changes.map((c) => c.new)).join('\n');
    const outputTokens = Math.min(
      maxOutputTokens,
      task.failures.length > 0
        ? 200 + 150 * task.failures.length
        : 100 + Math.ceil(countTokens(planned) * 1.2),
    );
    const usdByTier: TaskEstimate['usdByTier'] = {};
    for (const l of ladders) {
      const first = l.info[0];
      if (!first) continue;
      const cacheReadTokens = i > 0 ? prefixTokens : 0;
      let usd: number;
      try {
        usd = prices.cost(first.priced, {
          inputTokens,
          outputTokens,
          cacheReadTokens,
          cacheWriteTokens: i === 0 ? prefixTokens : 0,
          cacheWrite1hTokens: 0,
        });
      } catch {
        continue; // unpriced: config errors are reported when the job runs
      }
      usdByTier[l.tier] = { model: `${first.provider}/${first.model}`, usd };
    }
    return { inputTokens, prefixTokens, outputTokens, usdByTier };
  });
}
