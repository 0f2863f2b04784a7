// The model gateway (budget/gateway.ts) with a scripted model and a real ledger: the per-run cap
// is enforced through it, cost() is the ledger's spend, and a task's scoped view counts for the job.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Budget } from '../../src/budget/budget.js';
import { createGateway } from '../../src/budget/create-gateway.js';
import { Ledger } from '../../src/budget/ledger.js';
import { PriceBook } from '../../src/budget/prices.js';
import { BudgetExceededError } from '../../src/errors.js';
import { ReplayCache } from '../../src/memory/replay-cache.js';
import { ScriptedProvider } from '../../src/providers/scripted.js';
import { tempDir } from '../helpers.js';

const prices = new PriceBook({ 'scripted-m': { input: 10, output: 40 } });
const priced = { pricingProvider: 'x', model: 'scripted-m' };

function setup(perRun: number) {
  const dir = tempDir('distiq-gateway-');
  const provider = new ScriptedProvider('scripted-gateway', () => ({
    text: '{"ok":true}',
    usage: { inputTokens: 50, outputTokens: 900 },
  }));
  const ledger = new Ledger(path.join(dir, 'ledger.jsonl'));
  const budget = new Budget(ledger, { perRun }, 'run-1');
  const gateway = createGateway({
    budget,
    prices,
    baseline: { ...priced, label: 'scripted/scripted-m' },
    limits: { perRun, maxOutputTokens: 1000, maxRetries: 0 },
    replayCache: new ReplayCache(path.join(dir, 'replay')),
  });
  const ladder = {
    tier: 'cheap',
    steps: [{ tier: 'cheap', provider, model: 'scripted-m', priced }],
  };
  const ask = (content: string, replay = false) =>
    gateway.call(ladder, {
      messages: [{ role: 'user', content }],
      schema: { name: 'ok', schema: { type: 'object' } },
      replay,
    });
  return { provider, budget, gateway, ask };
}

describe('model gateway', () => {
  it('enforces the per-run cap: a call whose worst case no longer fits is refused before it is sent', async () => {
    // One call costs 50×10 + 900×40 = $0.0365; its worst case (1000 output tokens) about $0.04.
    const { provider, budget, gateway, ask } = setup(0.05);
    await ask('first');
    await expect(ask('second')).rejects.toBeInstanceOf(BudgetExceededError);
    expect(provider.requests).toHaveLength(1);
    const cost = gateway.cost();
    expect(cost.usd).toBeCloseTo(0.0365, 12);
    expect(cost.usd).toBeCloseTo(await budget.spentThisRun(), 12);
    expect(cost.budget).toEqual({ perRun: 0.05, spentThisRun: cost.usd });
    expect(cost.byTier.cheap?.calls).toBe(1);
    expect(gateway.spent()).toBe(cost.usd);
  });

  it('a scoped view records its own calls and counts every one of them for the job', async () => {
    const { gateway, budget, ask } = setup(1);
    await ask('job-level');
    const task = gateway.scoped();
    const { provider } = setup(1); // another provider, same gateway: a plain list of steps
    await task.call([{ tier: 'premium', provider, model: 'scripted-m', priced }], {
      messages: [{ role: 'user', content: 'task-level' }],
    });
    expect(task.records().map((r) => r.tier)).toEqual(['premium']);
    expect(task.records()).toHaveLength(1);
    expect(gateway.records()).toHaveLength(2);
    expect(gateway.cost().usd).toBeCloseTo(await budget.spentThisRun(), 12);
    // Records from elsewhere (a shard file) are priced the same way, with their own cap.
    const merged = gateway.costOf(gateway.records(), 3);
    expect(merged.usd).toBe(gateway.cost().usd);
    expect(merged.budget?.perRun).toBe(3);
  });

  it('answers from the replay cache only when the caller opts in', async () => {
    const { provider, ask, gateway } = setup(1);
    await ask('same');
    await ask('same');
    expect(provider.requests).toHaveLength(2); // not opted in: both sent
    await ask('same', true);
    await ask('same', true);
    expect(provider.requests).toHaveLength(3); // the second opted-in call is a replay at $0
    expect(gateway.records()).toHaveLength(3);
    expect(gateway.replayCache).toBeDefined();
  });
});
