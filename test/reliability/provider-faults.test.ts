// Provider faults against a real HTTP server on 127.0.0.1 playing an OpenAI-compatible provider
// (status codes and error bodies as OpenAI documents them), through the real SDK and callModel.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Budget } from '../../src/budget/budget.js';
import { CallRecorder, callModel, type LadderStep } from '../../src/budget/call-model.js';
import { Ledger } from '../../src/budget/ledger.js';
import { PriceBook } from '../../src/budget/prices.js';
import { AnthropicProvider } from '../../src/providers/anthropic.js';
import { OpenAIProvider } from '../../src/providers/openai.js';
import { prefixMessages, REPAIR_RULES } from '../../src/execute/repair-prompt.js';
import { ROOT, tempDir } from '../helpers.js';
import { type LoopbackTurn, startLoopbackOpenAI } from '../loopback-openai.js';

const PRICES = new PriceBook({ 'loop-model': { input: 1, output: 4 } });
let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

const err = (status: number, type: string, code: string | null, message = type) => ({
  status,
  body: { error: { message, type, param: null, code } },
});

async function call(
  turns: (LoopbackTurn | ((n: number) => LoopbackTurn))[],
  opts: { timeoutMs?: number; latencyMs?: number; maxRetries?: number } = {},
) {
  const server = await startLoopbackOpenAI(
    (_b, n) => {
      const t = turns[Math.min(n, turns.length - 1)]!;
      return typeof t === 'function' ? t(n) : t;
    },
    { latencyMs: opts.latencyMs },
  );
  close = server.close;
  const provider = new OpenAIProvider({
    name: 'loop',
    type: 'openai-compatible',
    apiKey: 'k',
    baseURL: server.url,
    timeoutMs: opts.timeoutMs ?? 10_000,
  });
  const steps: LadderStep[] = [
    {
      tier: 'cheap',
      provider,
      model: 'loop-model',
      priced: { pricingProvider: 'x', model: 'loop-model' },
    },
  ];
  const recorder = new CallRecorder();
  const waits: number[] = [];
  const budget = new Budget(new Ledger(path.join(tempDir(), 'l.jsonl')), { perRun: 1 }, 'faults');
  const result = await callModel({
    steps,
    request: {
      messages: [{ role: 'user', content: 'fix it' }],
      jsonSchema: { name: 'edits', schema: { type: 'object' } },
      maxOutputTokens: 100,
    },
    budget,
    prices: PRICES,
    recorder,
    maxRetries: opts.maxRetries ?? 3,
    sleep: async (ms) => void waits.push(ms),
    validate: (j) => (typeof j === 'object' && j && 'edits' in j ? null : 'needs "edits"'),
  }).then(
    (r) => ({ ok: true as const, text: r.result.text }),
    (e: Error & { reasons?: string[] }) => ({ ok: false as const, error: e.message }),
  );
  return { result, waits, requests: server.requests, recorder };
}

const OK = { content: '{"edits":[]}' };

describe('Provider faults', () => {
  it('429 with retry-after: waits the advertised time, then retries', async () => {
    const r = await call([
      { ...err(429, 'requests', 'rate_limit_exceeded'), headers: { 'retry-after': '2' } },
      OK,
    ]);
    expect(r.result.ok).toBe(true);
    expect(r.waits).toEqual([2000]);
  });

  it('429 without retry-after: bounded exponential backoff with jitter', async () => {
    const r = await call([
      err(429, 'requests', 'rate_limit_exceeded'),
      err(429, 'requests', 'rate_limit_exceeded'),
      OK,
    ]);
    expect(r.result.ok).toBe(true);
    expect(r.waits).toHaveLength(2);
    expect(r.waits[0]).toBeGreaterThanOrEqual(500);
    expect(r.waits[0]).toBeLessThanOrEqual(1000);
    expect(r.waits[1]).toBeGreaterThanOrEqual(1000);
    expect(r.waits[1]).toBeLessThanOrEqual(2000);
  });

  it('429 insufficient_quota (spend limit): stops at once, no retry', async () => {
    const r = await call([
      err(
        429,
        'insufficient_quota',
        'insufficient_quota',
        'You exceeded your current quota, please check your plan and billing details.',
      ),
      OK,
    ]);
    expect(r.result).toMatchObject({ ok: false });
    expect(r.requests).toHaveLength(1);
    expect(r.waits).toEqual([]);
  });

  it('529 / 503 / 500: retried with bounded backoff, up to maxRetries', async () => {
    const r = await call([
      err(529, 'overloaded_error', null),
      err(503, 'server_error', null),
      err(500, 'server_error', null),
      OK,
    ]);
    expect(r.result.ok).toBe(true);
    expect(r.waits).toHaveLength(3);
    const exhausted = await call([err(500, 'server_error', null)], { maxRetries: 2 });
    expect(exhausted.result.ok).toBe(false);
    expect(exhausted.requests).toHaveLength(3);
  });

  it('400, 401, 403, 404, 413: never retried', async () => {
    for (const status of [400, 401, 403, 404, 413]) {
      const r = await call([err(status, 'invalid_request_error', null), OK]);
      expect(r.result.ok, `HTTP ${status}`).toBe(false);
      expect(r.requests, `HTTP ${status}`).toHaveLength(1);
    }
  });

  it('truncated output (finish_reason length) is never applied: one corrective retry, then rejected', async () => {
    const r = await call([
      { content: '{"edits":[{"pa', finishReason: 'length' },
      { content: '{"edits":[{"path', finishReason: 'length' },
    ]);
    expect(r.result).toMatchObject({ ok: false });
    expect((r.result as { error: string }).error).toContain('cut at the 100-token limit');
    expect(r.requests).toHaveLength(2);
    expect(r.recorder.records.every((x) => x.outcome === 'failed')).toBe(true);
  });

  it('malformed JSON and off-schema answers get one corrective retry with the problem', async () => {
    const r = await call([{ content: 'Sure! Here are the edits: {edits: []}' }, OK]);
    expect(r.result.ok).toBe(true);
    expect(r.requests[1]!.messages.at(-1)!.content).toMatch(
      /That answer was rejected: the answer is not valid JSON/,
    );
    const off = await call([{ content: '{"changes":[]}' }, { content: '{"changes":[]}' }]);
    expect((off.result as { error: string }).error).toContain(
      'the JSON does not match the schema: needs "edits"',
    );
  });

  it('a slow response past the timeout is a failed attempt counted at its worst case (it may have been billed)', async () => {
    const r = await call([OK], { timeoutMs: 300, latencyMs: 1500, maxRetries: 0 });
    expect(r.result.ok).toBe(false);
    expect(r.recorder.records[0]).toMatchObject({
      outcome: 'failed',
      reason: 'timeout',
      estimated: true,
    });
    expect(r.recorder.records[0]!.usd).toBeGreaterThan(0);
  });

  it('ruled out: mid-stream errors and streams without usage — distiq never streams (no provider sets stream: true)', () => {
    const dir = path.join(ROOT, 'src', 'providers');
    for (const f of readdirSync(dir))
      expect(readFileSync(path.join(dir, f), 'utf8'), f).not.toMatch(/stream:\s*true|\.stream\(/);
  });

  it('prompt caching: at most 4 breakpoints, on a byte-identical prefix (Anthropic request body)', () => {
    const p = new AnthropicProvider({ name: 'anthropic', apiKey: 'k', cacheTtl: '5m' });
    const messages = [
      ...prefixMessages(REPAIR_RULES, {
        repoMap: 'src/a.ts:\n  1│ export const a = 1;',
        shared: 'src/a.ts:1-1 (x)\nexport const a = 1;',
        spans: '',
        tokens: { repoMap: 1, shared: 1, spans: 0 },
      }),
      { role: 'user' as const, content: 'task' },
    ];
    const body = p.body('claude-haiku-4-5', { messages, maxOutputTokens: 10 });
    const marks = JSON.stringify(body).match(/cache_control/g) ?? [];
    expect(marks.length).toBeGreaterThan(0);
    expect(marks.length).toBeLessThanOrEqual(4);
    const again = p.body('claude-haiku-4-5', {
      messages: [...messages.slice(0, -1), { role: 'user', content: 'another task' }],
      maxOutputTokens: 10,
    });
    expect(JSON.stringify(again.system)).toBe(JSON.stringify(body.system));
  });
});
