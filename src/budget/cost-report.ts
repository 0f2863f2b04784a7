import { countTokens } from 'gpt-tokenizer';
import type { CallRecord } from './call-model.js';
import type { PriceBook, PricedModel } from './prices.js';
import type { Usage } from '../providers/types.js';

export interface TierCost {
  calls: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  usd: number;
}

export interface ModelCost extends TierCost {
  tier: string;
  provider: string;
  model: string;
  /** The same tokens priced at the premium baseline model. */
  baselineUsd: number;
}

export interface CostReport {
  usd: number;
  /** What the run would have cost with every call (and every $0 repair) on the premium model. */
  baselineUsd: number;
  savingUsd: number;
  baselineModel: string;
  byTier: Record<string, TierCost>;
  byModel: ModelCost[];
  budget: { perRun: number; spentThisRun: number } | null;
}

/** A $0 repair, for the baseline: what a premium call would have read and written to make it. */
export interface FreeRepair {
  promptText: string;
  outputText: string;
}

/** Builds the cost block from the recorded attempts: the table always equals their sum. */
export function buildCostReport(opts: {
  records: CallRecord[];
  autofixCalls: number;
  freeRepairs: FreeRepair[];
  prices: PriceBook;
  baseline: PricedModel & { label: string };
  budget: { perRun: number; spentThisRun: number } | null;
}): CostReport {
  const byTier: Record<string, TierCost> = {};
  const byModel = new Map<string, ModelCost>();
  const baselineOf = (u: Usage) => safeCost(opts.prices, opts.baseline, u);
  let baselineUsd = 0;
  if (opts.autofixCalls > 0 || opts.freeRepairs.length > 0)
    byTier.autofix = {
      calls: opts.autofixCalls,
      inputTokens: 0,
      outputTokens: 0,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      usd: 0,
    };
  for (const r of opts.freeRepairs) {
    baselineUsd += baselineOf({
      inputTokens: countTokens(r.promptText),
      outputTokens: countTokens(r.outputText),
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      cacheWrite1hTokens: 0,
    });
  }
  for (const r of opts.records) {
    const t = (byTier[r.tier] ??= {
      calls: 0,
      inputTokens: 0,
      outputTokens: 0,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      usd: 0,
    });
    add(t, r);
    const key = `${r.tier}\u0000${r.provider}\u0000${r.model}`;
    const m = byModel.get(key) ?? {
      tier: r.tier,
      provider: r.provider,
      model: r.model,
      calls: 0,
      inputTokens: 0,
      outputTokens: 0,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      usd: 0,
      baselineUsd: 0,
    };
    add(m, r);
    const b = baselineOf(r.usage);
    m.baselineUsd += b;
    baselineUsd += b;
    byModel.set(key, m);
  }
  const usd = opts.records.reduce((a, r) => a + r.usd, 0);
  return {
    usd,
    baselineUsd,
    savingUsd: Math.max(0, baselineUsd - usd),
    baselineModel: opts.baseline.label,
    byTier,
    byModel: [...byModel.values()],
    budget: opts.budget,
  };
}

function add(t: TierCost, r: CallRecord): void {
  t.calls++;
  t.inputTokens += r.usage.inputTokens;
  t.outputTokens += r.usage.outputTokens;
  t.cacheReadTokens += r.usage.cacheReadTokens;
  t.cacheWriteTokens += r.usage.cacheWriteTokens;
  t.usd += r.usd;
}

function safeCost(prices: PriceBook, m: PricedModel, u: Usage): number {
  try {
    return prices.cost(m, u);
  } catch {
    return 0; // an unpriced baseline only shrinks the comparison, never the real spend
  }
}
