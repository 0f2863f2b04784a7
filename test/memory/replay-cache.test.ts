// The exact replay cache through the real model gateway (callModel), a scripted model and a real
// ledger: a repeated request costs $0 and reserves nothing; anything else is a miss.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Budget } from '../../src/budget/budget.js';
import { CallRecorder, callModel } from '../../src/budget/call-model.js';
import { Ledger } from '../../src/budget/ledger.js';
import { PriceBook } from '../../src/budget/prices.js';
import { ReplayCache } from '../../src/memory/replay-cache.js';
import { ScriptedProvider } from '../../src/providers/scripted.js';
import { tempDir } from '../helpers.js';

const prices = new PriceBook({ 'scripted-m': { input: 10, output: 40 } });
const ANSWER = '{"edits":[{"path":"a.ts","search":"x","replace":"y"}]}';

function setup(answer = ANSWER) {
  const dir = tempDir('distiq-replay-');
  const provider = new ScriptedProvider('scripted-cache', () => ({
    text: answer,
    usage: { inputTokens: 300, outputTokens: 100 },
  }));
  const cache = new ReplayCache(path.join(dir, 'replay'), 3);
  const ledger = new Ledger(path.join(dir, 'ledger.jsonl'));
  const step = {
    tier: 'cheap',
    provider,
    model: 'scripted-m',
    priced: { pricingProvider: 'x', model: 'scripted-m' },
  };
  const call = (content: string, validate?: (j: unknown) => string | null) =>
    callModel({
      steps: [step],
      request: {
        messages: [{ role: 'user', content }],
        jsonSchema: { name: 'edits', schema: { type: 'object' } },
        maxOutputTokens: 500,
      },
      budget: new Budget(ledger, { perRun: 1 }, 'r'),
      prices,
      recorder: new CallRecorder(),
      cache,
      ...(validate ? { validate } : {}),
    });
  return { dir, provider, cache, ledger, call };
}

describe('exact replay cache in callModel', () => {
  it('answers an identical request at $0 without a call or a reservation, and records the saving', async () => {
    const { provider, cache, ledger, call } = setup();
    const first = await call('fix a.ts');
    expect(provider.requests).toHaveLength(1);
    const reservationsAfterFirst = (await ledger.read()).settled.length;
    const again = await call('fix a.ts');
    expect(provider.requests).toHaveLength(1); // no second call
    expect(again.json).toEqual(first.json);
    expect((await ledger.read()).settled.length).toBe(reservationsAfterFirst);
    expect(cache.hits).toHaveLength(1);
    expect(cache.savedUsd()).toBeCloseTo((300 * 10 + 100 * 40) / 1e6, 12);
    // A different message is a miss.
    await call('fix b.ts');
    expect(provider.requests).toHaveLength(2);
  });

  it('the key covers model, messages, schema and parameters; key order does not matter', () => {
    const p = { name: 'a', type: 'openai' };
    const base = {
      messages: [{ role: 'user' as const, content: 'x' }],
      maxOutputTokens: 10,
      jsonSchema: { name: 's', schema: { a: 1, b: 2 } },
    };
    const k = ReplayCache.keyOf({ tier: 'cheap', model: 'm', provider: p }, base);
    expect(
      ReplayCache.keyOf(
        { tier: 'cheap', model: 'm', provider: p },
        { ...base, jsonSchema: { name: 's', schema: { b: 2, a: 1 } } },
      ),
    ).toBe(k);
    expect(ReplayCache.keyOf({ tier: 'cheap', model: 'm2', provider: p }, base)).not.toBe(k);
    expect(
      ReplayCache.keyOf(
        { tier: 'cheap', model: 'm', provider: p },
        { ...base, maxOutputTokens: 11 },
      ),
    ).not.toBe(k);
    expect(
      ReplayCache.keyOf({ tier: 'cheap', model: 'm', provider: p }, { ...base, temperature: 0.5 }),
    ).not.toBe(k);
    expect(
      ReplayCache.keyOf(
        { tier: 'cheap', model: 'm', provider: { name: 'b', type: 'openai' } },
        base,
      ),
    ).not.toBe(k);
  });

  it('a corrupt entry, a foreign entry or an answer the validator now rejects is a miss, never used', async () => {
    const { provider, cache, call } = setup();
    await call('q');
    const file = readdirSync(cache.dir).find((f) => f.endsWith('.json'))!;
    writeFileSync(path.join(cache.dir, file), '{"version":1,"key":"');
    await call('q');
    expect(provider.requests).toHaveLength(2);
    expect(cache.hits).toHaveLength(0);
    // An entry whose content claims another key (copied file) is refused.
    const other = readdirSync(cache.dir).find((f) => f.endsWith('.json'))!;
    writeFileSync(
      path.join(cache.dir, `${'0'.repeat(64)}.json`),
      readFileSync(path.join(cache.dir, other), 'utf8'),
    );
    // Validator rejects the cached answer: the model is asked again.
    const before = provider.requests.length;
    await expect(call('q', () => 'no longer acceptable')).rejects.toThrow(/no longer acceptable/);
    expect(cache.hits).toHaveLength(0);
    expect(provider.requests.length).toBeGreaterThan(before);
  });

  it('an answer the proof rejected is forgotten: a re-run asks the model afresh', async () => {
    const { provider, cache, call } = setup();
    const first = await call('q');
    const hit = await call('q');
    expect(provider.requests).toHaveLength(1);
    cache.forget(hit.json);
    await call('q');
    expect(provider.requests).toHaveLength(2);
    cache.forget(first.json); // already gone: harmless
  });

  it('is bounded: the least recently used entries are evicted', async () => {
    const { cache, call } = setup();
    for (const q of ['1', '2', '3', '4', '5']) await call(q);
    expect(cache.size()).toBe(3);
  });
});
