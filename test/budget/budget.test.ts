import { appendFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Budget } from '../../src/budget/budget.js';
import { Ledger } from '../../src/budget/ledger.js';
import { PriceBook } from '../../src/budget/prices.js';
import { BudgetExceededError } from '../../src/errors.js';
import { tempDir } from '../helpers.js';

function ledgerSum(file: string, runId?: string): number {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))
    .filter((e) => e.kind === 'settle' && (!runId || e.run === runId))
    .reduce((a, e) => a + e.usd, 0);
}

// Concurrency (in one process and across processes) is stressed in test/reliability/budget.test.ts.
describe('budget ledger', () => {
  it('a crashed writer’s partial line is cut off, and its stale reservation expires', async () => {
    const file = path.join(tempDir(), 'ledger.jsonl');
    let now = Date.parse('2026-11-21T10:00:00Z');
    const crashed = new Budget(new Ledger(file), { daily: 1 }, 'crashed', {
      ttlMs: 60_000,
      now: () => now,
    });
    await crashed.reserve(0.9); // never settled: the process "died"
    appendFileSync(
      file,
      '{"v":1,"kind":"settle","id":"x","run":"crashed","at":"2026-11-21T10:00:00Z","us',
    ); // torn write
    const next = new Budget(new Ledger(file), { daily: 1 }, 'next', {
      ttlMs: 60_000,
      now: () => now,
    });
    await expect(next.reserve(0.2)).rejects.toThrow(BudgetExceededError); // the reservation still holds
    now += 61_000;
    const r = await next.reserve(0.2); // expired: headroom is back
    await next.settle(r, 0.15);
    const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
    expect(() => lines.map((l) => JSON.parse(l))).not.toThrow();
    expect(ledgerSum(file)).toBeCloseTo(0.15, 10);
  });

  it('daily and monthly limits count other runs; per-run counts only this one', async () => {
    const file = path.join(tempDir(), 'ledger.jsonl');
    const ledger = new Ledger(file);
    const first = new Budget(ledger, { perRun: 0.3, daily: 0.5 }, 'first');
    await first.settle(await first.reserve(0.3), 0.3);
    await expect(first.reserve(0.01)).rejects.toThrow(/per-run/);
    const second = new Budget(new Ledger(file), { perRun: 0.3, daily: 0.5 }, 'second');
    await second.settle(await second.reserve(0.2), 0.2);
    await expect(second.reserve(0.01)).rejects.toThrow(/daily/);
  });

  it('warns once at the configured fraction', async () => {
    const warnings: string[] = [];
    const b = new Budget(
      new Ledger(path.join(tempDir(), 'l.jsonl')),
      { perRun: 1, warnAt: 0.5 },
      'w',
      { onWarn: (m) => warnings.push(m) },
    );
    await b.settle(await b.reserve(0.3), 0.3);
    await b.settle(await b.reserve(0.3), 0.3);
    await b.settle(await b.reserve(0.1), 0.1);
    expect(warnings).toEqual([expect.stringContaining('60% of the per-run budget')]);
  });
});

describe('prices', () => {
  const book = new PriceBook();
  const u = (
    inputTokens: number,
    outputTokens: number,
    cacheReadTokens = 0,
    cacheWriteTokens = 0,
    cacheWrite1hTokens = 0,
  ) => ({ inputTokens, outputTokens, cacheReadTokens, cacheWriteTokens, cacheWrite1hTokens });

  it.each([
    // hand-computed from the providers' list prices (USD per million tokens)
    [
      'anthropic',
      'claude-sonnet-4-5',
      u(10_000, 1_000, 2_000, 1_000),
      (7_000 * 3 + 2_000 * 0.3 + 1_000 * 3.75 + 1_000 * 15) / 1e6,
    ],
    ['anthropic', 'claude-haiku-4-5', u(1_000, 0, 0, 1_000, 1_000), (1_000 * 2) / 1e6],
    [
      'openai',
      'gpt-4o-mini',
      u(10_000, 1_000, 2_000),
      (8_000 * 0.15 + 2_000 * 0.075 + 1_000 * 0.6) / 1e6,
    ],
    ['anthropic', 'claude-opus-4-1', u(1_000_000, 0), 15],
  ])('%s %s', (provider, model, usage, expected) => {
    expect(book.cost({ pricingProvider: provider, model }, usage)).toBeCloseTo(expected, 12);
  });

  it('cache tokens are parts of the input total, never added on top', () => {
    const plain = book.cost({ pricingProvider: 'openai', model: 'gpt-4o' }, u(1000, 0));
    const cached = book.cost({ pricingProvider: 'openai', model: 'gpt-4o' }, u(1000, 0, 1000));
    expect(cached).toBeCloseTo(plain / 2, 12); // cached input is half price on gpt-4o, not extra
  });

  it('batch halves the price; local models are free unless a $/hour is set', () => {
    const m = { pricingProvider: 'anthropic', model: 'claude-haiku-4-5' };
    expect(book.cost(m, u(1000, 1000), { batch: true })).toBeCloseTo(
      book.cost(m, u(1000, 1000)) / 2,
      12,
    );
    expect(book.cost({ pricingProvider: null, model: 'tiny.gguf' }, u(5000, 5000))).toBe(0);
    expect(
      book.cost({ pricingProvider: null, model: 'tiny.gguf', perHourUsd: 3.6 }, u(1, 1), {
        latencyMs: 1000,
      }),
    ).toBeCloseTo(0.001, 12);
  });

  it('the worst case covers a full cache write at the dearest rate', () => {
    const m = { pricingProvider: 'anthropic', model: 'claude-haiku-4-5' };
    expect(book.worstCase(m, 1000, 100)).toBeCloseTo((1000 * 2 + 100 * 5) / 1e6, 12);
  });

  it('an unknown model fails closed; an override prices it', () => {
    expect(() =>
      book.cost({ pricingProvider: 'openai', model: 'no-such-model-9' }, u(1, 1)),
    ).toThrow(/No price known/);
    const withOverride = new PriceBook({ 'no-such-model-9': { input: 1, output: 2 } });
    expect(
      withOverride.cost(
        { pricingProvider: 'openai', model: 'no-such-model-9' },
        u(1_000_000, 1_000_000),
      ),
    ).toBe(3);
  });
});
