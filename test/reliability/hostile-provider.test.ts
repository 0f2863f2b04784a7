// A provider that lies or stalls, against a real HTTP server on 127.0.0.1 and the real openai SDK:
// every scenario asserts the ledger stays within the limit and agrees with the recorded calls.
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Budget } from '../../src/budget/budget.js';
import { CallRecorder, callModel, type LadderStep } from '../../src/budget/call-model.js';
import { Ledger, LedgerCorruptError } from '../../src/budget/ledger.js';
import { PriceBook } from '../../src/budget/prices.js';
import { OpenAIProvider } from '../../src/providers/openai.js';
import { makeRepo, tempDir } from '../helpers.js';
import { summarizeCost } from '../../src/jobs/cost.js';
import { type ChatBody, completion } from '../loopback-openai.js';
import { recordFigures } from './figures.js';

const PRICES = new PriceBook({
  'liar-model': { input: 1, output: 4 },
  'good-model': { input: 1, output: 4 },
});
const LIMIT = 0.05;
const OK = '{"edits":[]}';

type Handler = (res: ServerResponse, body: ChatBody) => void;

const servers: { close: () => void }[] = [];
const measured = { scenarios: 0, maxLedgerUsd: 0 };
afterAll(() => {
  if (measured.scenarios)
    recordFigures('hostileProvider', {
      ...measured,
      limitUsd: LIMIT,
      overshootUsd: Math.max(0, measured.maxLedgerUsd - LIMIT),
    });
});
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

/** A loopback "provider" that does whatever the scenario says with each request. */
async function server(handle: Handler) {
  const bodies: ChatBody[] = [];
  const sockets = new Set<import('node:net').Socket>();
  const s = createServer((req, res) => {
    let raw = '';
    req.on('data', (d) => (raw += d));
    req.on('end', () => {
      const body = JSON.parse(raw) as ChatBody;
      bodies.push(body);
      handle(res, body);
    });
  });
  s.on('connection', (c) => (sockets.add(c), c.on('close', () => sockets.delete(c))));
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const close = () => {
    for (const c of sockets) c.destroy();
    s.close();
  };
  servers.push({ close });
  return { url: `http://127.0.0.1:${(s.address() as AddressInfo).port}/v1`, bodies };
}

const json = (res: ServerResponse, status: number, body: unknown, type = 'application/json') =>
  res
    .writeHead(status, { 'content-type': type })
    .end(typeof body === 'string' ? body : JSON.stringify(body));
const answer = (body: ChatBody, usage?: unknown) => {
  const c = completion(body, 0, { content: OK }) as Record<string, unknown>;
  if (usage === undefined) delete c.usage;
  else c.usage = usage;
  return c;
};

async function scenario(liar: Handler, opts: { timeoutMs?: number; calls?: number } = {}) {
  const bad = await server(liar);
  const good = await server((res, body) => json(res, 200, completion(body, 0, { content: OK })));
  const provider = (name: string, url: string) =>
    new OpenAIProvider({
      name,
      type: 'openai-compatible',
      apiKey: 'sk-loopback-test-key-0000000000',
      baseURL: url,
      timeoutMs: opts.timeoutMs ?? 10_000,
    });
  const steps: LadderStep[] = [
    {
      tier: 'cheap',
      provider: provider('liar', bad.url),
      model: 'liar-model',
      priced: { pricingProvider: 'x', model: 'liar-model' },
      timeoutMs: opts.timeoutMs ?? 10_000,
    },
    {
      tier: 'premium',
      provider: provider('good', good.url),
      model: 'good-model',
      priced: { pricingProvider: 'x', model: 'good-model' },
      timeoutMs: 10_000,
    },
  ];
  const file = path.join(tempDir(), 'ledger.jsonl');
  const budget = new Budget(new Ledger(file), { perRun: LIMIT, daily: LIMIT }, 'hostile');
  const recorder = new CallRecorder();
  const started = performance.now();
  const results = [];
  for (let i = 0; i < (opts.calls ?? 2); i++) {
    results.push(
      await callModel({
        steps,
        request: {
          messages: [{ role: 'user', content: `fix it ${i}` }],
          jsonSchema: { name: 'edits', schema: { type: 'object' } },
          maxOutputTokens: 1000,
        },
        budget,
        prices: PRICES,
        recorder,
        sleep: async () => {},
      }).then(
        (r) => ({ ok: true as const, provider: r.step.provider.name, escalations: r.escalations }),
        (e: Error) => ({ ok: false as const, error: e.message }),
      ),
    );
  }
  const elapsedMs = performance.now() - started;
  const lines = readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  const ledgerUsd = lines.filter((e) => e.kind === 'settle').reduce((a, e) => a + e.usd, 0);
  const reserved = new Map(lines.filter((e) => e.kind === 'reserve').map((e) => [e.id, e.usd]));
  const liarSettles = lines.filter((e) => e.kind === 'settle' && e.provider === 'liar');
  // Ledger and report agree; nothing passes the limit; every lie is charged exactly its reservation.
  expect(ledgerUsd).toBeCloseTo(recorder.totalUsd(), 12);
  expect(Number.isFinite(ledgerUsd)).toBe(true);
  expect(ledgerUsd).toBeLessThanOrEqual(LIMIT + 1e-12);
  expect((await new Ledger(file).read()).open.size).toBe(0);
  measured.scenarios++;
  measured.maxLedgerUsd = Math.max(measured.maxLedgerUsd, Number(ledgerUsd.toFixed(6)));
  return { results, recorder, bad, good, elapsedMs, lines, liarSettles, reserved, ledgerUsd };
}

function chargedItsReservation(r: Awaited<ReturnType<typeof scenario>>) {
  expect(r.liarSettles).toHaveLength(1);
  expect(r.liarSettles[0].usd).toBe(r.reserved.get(r.liarSettles[0].id));
  expect(r.liarSettles[0].usd).toBeGreaterThan(0);
  // Faulty for the run: the second call goes straight to the fallback.
  expect(r.bad.bodies).toHaveLength(1);
  expect(r.results.every((x) => x.ok && x.provider === 'good')).toBe(true);
  expect(r.recorder.faulty.has('liar')).toBe(true);
}

describe('Hostile provider', () => {
  it('huge usage (1e9 tokens) is charged the reservation, not $1,370; the provider is dropped for the run', async () => {
    const r = await scenario((res, b) =>
      json(res, 200, answer(b, { prompt_tokens: 1e9, completion_tokens: 1e9, total_tokens: 2e9 })),
    );
    chargedItsReservation(r);
    expect(r.liarSettles[0].reason).toMatch(
      /input tokens reported for a prompt that allows at most/,
    );
  });

  it('negative usage cannot drive the ledger down: charged the reservation', async () => {
    const r = await scenario((res, b) =>
      json(
        res,
        200,
        answer(b, { prompt_tokens: -5_000_000, completion_tokens: -1, total_tokens: 0 }),
      ),
    );
    chargedItsReservation(r);
    expect(r.lines.every((e) => !('usd' in e) || e.usd >= 0)).toBe(true);
  });

  it('a response without usage is charged its reservation (not $0 with the reservation released)', async () => {
    const r = await scenario((res, b) => json(res, 200, answer(b, undefined)));
    chargedItsReservation(r);
    expect(r.liarSettles[0].reason).toBe('the response carried no usage');
  });

  it('non-numeric usage is charged its reservation, nothing leaks, no false over-budget', async () => {
    const r = await scenario((res, b) =>
      json(
        res,
        200,
        answer(b, { prompt_tokens: 'abc', completion_tokens: '12', total_tokens: 'x' }),
      ),
    );
    chargedItsReservation(r);
    expect(r.liarSettles[0].reason).toMatch(
      /usage.inputTokens is "abc", not a non-negative integer/,
    );
  });

  it('output tokens above the request max are a lie: charged the reservation', async () => {
    const r = await scenario((res, b) =>
      json(res, 200, answer(b, { prompt_tokens: 20, completion_tokens: 5000, total_tokens: 5020 })),
    );
    chargedItsReservation(r);
  });

  it('HTTP 200 with an HTML page: a provider fault with the first 200 characters (redacted) kept, then the fallback', async () => {
    const page = `<html><head><title>502 Bad Gateway</title></head><body>upstream ghp_${'A'.repeat(36)} ${'x'.repeat(400)}</body></html>`;
    const r = await scenario((res) => json(res, 200, page, 'text/html'));
    chargedItsReservation(r);
    const detail = r.recorder.records.find((x) => x.provider === 'liar')!.detail!;
    expect(detail).toContain('<html><head><title>502 Bad Gateway');
    expect(detail).toContain('[REDACTED]');
    expect(detail).not.toContain('ghp_');
    expect(detail.length).toBeLessThan(400);
    const first = r.results[0] as { escalations: string[] };
    expect(first.escalations[0]).toMatch(
      /^cheap\/liar\/liar-model: bad-response: .*502 Bad Gateway/,
    );
  });

  it('HTTP 200 whose JSON does not parse: a provider fault, not a network error retried three times', async () => {
    const r = await scenario((res) => json(res, 200, '{"choices": [ {"mess'));
    chargedItsReservation(r);
  });

  it('a body trickled after the headers hits the total deadline: a timeout, charged as timeouts are, then the fallback', async () => {
    const r = await scenario(
      (res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"id": "chatcmpl-slow", ');
        const tick = setInterval(() => (res.destroyed ? clearInterval(tick) : res.write(' ')), 100);
        res.on('close', () => clearInterval(tick));
      },
      { timeoutMs: 1500 },
    );
    chargedItsReservation(r);
    expect(r.liarSettles[0].outcome).toBe('timeout');
    expect(r.elapsedMs).toBeLessThan(15_000); // one deadline, not 529 s
  });

  it('a server that never answers costs one deadline, not 120 s × 4 attempts', async () => {
    const r = await scenario(() => undefined, { timeoutMs: 1500 });
    chargedItsReservation(r);
    expect(r.recorder.records.filter((x) => x.provider === 'liar')).toHaveLength(1);
    expect(r.elapsedMs).toBeLessThan(15_000);
  });

  it('a deterministic 400 is not retried, not charged, and its text is kept (redacted)', async () => {
    const r = await scenario(
      (res) =>
        json(res, 400, {
          error: {
            message: `This model's maximum context length is 8192 tokens (key sk-proj-${'z'.repeat(30)})`,
            type: 'invalid_request_error',
            param: 'messages',
            code: 'context_length_exceeded',
          },
        }),
      { calls: 1 },
    );
    expect(r.bad.bodies).toHaveLength(1);
    expect(r.liarSettles).toHaveLength(0);
    const first = r.results[0] as { ok: true; escalations: string[] };
    expect(first.ok).toBe(true);
    expect(first.escalations[0]).toMatch(
      /bad-request \(HTTP 400\): .*maximum context length is 8192 tokens/,
    );
    expect(first.escalations[0]).not.toContain('sk-proj-');
  });
});

describe('Hostile ledger', () => {
  const budgetOn = (file: string) =>
    new Budget(new Ledger(file), { perRun: 1, daily: 1 }, 'next-run');
  const valid = (usd: number) =>
    JSON.stringify({ v: 1, kind: 'settle', id: 'a', run: 'r', at: new Date().toISOString(), usd });

  for (const [name, line] of [
    [
      'a settle line without usd (NaN sums)',
      JSON.stringify({ v: 1, kind: 'settle', id: 'b', run: 'r', at: new Date().toISOString() }),
    ],
    ['a negative amount', valid(-14)],
    [
      'a non-numeric amount',
      JSON.stringify({
        v: 1,
        kind: 'settle',
        id: 'b',
        run: 'r',
        at: new Date().toISOString(),
        usd: '0.5',
      }),
    ],
    [
      'a timestamp from 1970',
      JSON.stringify({
        v: 1,
        kind: 'settle',
        id: 'b',
        run: 'r',
        at: '1970-01-01T00:00:00Z',
        usd: 0.9,
      }),
    ],
    ['a line that is not JSON', 'not json at all'],
  ] as const) {
    it(`${name}: the run stops with an error naming the line, no request, never NaN`, async () => {
      const file = path.join(tempDir(), 'ledger.jsonl');
      appendFileSync(file, `${valid(0.1)}\n${line}\n`);
      const err = await budgetOn(file)
        .reserve(0.01)
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LedgerCorruptError);
      expect((err as Error).message).toMatch(new RegExp(`invalid line 2 \\(`));
      expect((err as LedgerCorruptError).exitCode).toBe(3);
      // Nothing was appended on top of the bad line.
      expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(2);
    });
  }

  it('distiq cost reports the bad line instead of printing usd: null', async () => {
    const dir = makeRepo();
    mkdirSync(path.join(dir, '.distiq'), { recursive: true });
    appendFileSync(
      path.join(dir, '.distiq', 'ledger.jsonl'),
      `${valid(0.1)}\n{"v":1,"kind":"settle","id":"b","run":"r","at":"${new Date().toISOString()}"}\n`,
    );
    const err = await summarizeCost(dir, 'day').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LedgerCorruptError);
    expect((err as Error).message).toMatch(/ledger\.jsonl has an invalid line 2 \(usd: /);
  });

  it('a valid ledger still sums exactly (no false positives on what distiq writes)', async () => {
    const file = path.join(tempDir(), 'ledger.jsonl');
    const b = budgetOn(file);
    const res = await b.reserve(0.2);
    await b.settle(res, 0.15, {
      usage: {
        inputTokens: 1,
        outputTokens: 2,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
        cacheWrite1hTokens: 0,
      },
      outcome: 'stop',
    });
    await b.settle(await b.reserve(0.1), Number.NaN); // a NaN cost settles at the reservation
    expect(await b.spentThisRun()).toBeCloseTo(0.25, 12);
  });
});
