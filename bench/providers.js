// Provider layer: overhead per call against a loopback server that answers at once, compared with a
// bare fetch of the same request in the same run; and cost exactness for each usage shape.
import { createServer } from 'node:http';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Budget } from '../dist/budget/budget.js';
import { CallRecorder, callModel } from '../dist/budget/call-model.js';
import { Ledger } from '../dist/budget/ledger.js';
import { PriceBook } from '../dist/budget/prices.js';
import { OpenAIProvider } from '../dist/providers/openai.js';
import { median, table } from './lib.js';

const ANSWER = JSON.stringify({
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created: 0,
  model: 'gpt-4o-mini',
  choices: [
    {
      index: 0,
      message: { role: 'assistant', content: '{"answer":"ok"}', refusal: null },
      logprobs: null,
      finish_reason: 'stop',
    },
  ],
  usage: {
    prompt_tokens: 1200,
    completion_tokens: 12,
    total_tokens: 1212,
    prompt_tokens_details: { cached_tokens: 1024 },
  },
});

export async function benchProviders({ calls = 300 } = {}) {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(ANSWER));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${server.address().port}/v1`;
  const request = {
    messages: [
      { role: 'system', content: 'rules '.repeat(400), cacheBreakpoint: true },
      { role: 'user', content: 'fix it '.repeat(100) },
    ],
    jsonSchema: {
      name: 'answer',
      schema: {
        type: 'object',
        properties: { answer: { type: 'string' } },
        required: ['answer'],
        additionalProperties: false,
      },
    },
    maxOutputTokens: 512,
  };
  const provider = new OpenAIProvider({
    name: 'loop',
    type: 'openai-compatible',
    apiKey: 'k',
    baseURL: url,
  });
  const prices = new PriceBook();
  const budget = new Budget(
    new Ledger(
      path.join(mkdtempSync(path.join(os.tmpdir(), 'distiq-bench-ledger-')), 'ledger.jsonl'),
    ),
    { perRun: 1000 },
    'bench',
  );
  const recorder = new CallRecorder();
  const body = JSON.stringify({
    model: 'gpt-4o-mini',
    messages: request.messages.map(({ role, content }) => ({ role, content })),
    max_tokens: 512,
    response_format: {
      type: 'json_schema',
      json_schema: { name: 'answer', schema: request.jsonSchema.schema, strict: true },
    },
  });
  const variants = {
    'bare fetch (baseline)': async () =>
      (
        await fetch(`${url}/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        })
      ).json(),
    'provider.chat (openai SDK)': () => provider.chat('gpt-4o-mini', request),
    'callModel (estimate + reserve + call + price + settle, ledger fsync)': () =>
      callModel({
        steps: [
          {
            tier: 'cheap',
            provider,
            model: 'gpt-4o-mini',
            priced: { pricingProvider: 'openai', model: 'gpt-4o-mini' },
          },
        ],
        request,
        budget,
        prices,
        recorder,
      }),
  };
  const samples = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  for (const fn of Object.values(variants)) for (let i = 0; i < 20; i++) await fn(); // warm-up
  for (let i = 0; i < calls; i++) {
    for (const [name, fn] of Object.entries(variants)) {
      const t = performance.now();
      await fn();
      samples[name].push(performance.now() - t);
    }
  }
  server.close();
  const base = median(samples['bare fetch (baseline)']);
  table(
    `Provider layer overhead per call (loopback, ${calls} calls each, interleaved)`,
    ['path', 'median ms', 'vs bare fetch', 'added ms'],
    Object.entries(samples).map(([k, xs]) => [
      k,
      median(xs).toFixed(2),
      (median(xs) / base).toFixed(2) + '×',
      (median(xs) - base).toFixed(2),
    ]),
  );

  // Hand-computed from the vendors' published list prices (USD per million tokens).
  const u = (
    inputTokens,
    outputTokens,
    cacheReadTokens = 0,
    cacheWriteTokens = 0,
    cacheWrite1hTokens = 0,
  ) => ({ inputTokens, outputTokens, cacheReadTokens, cacheWriteTokens, cacheWrite1hTokens });
  const cases = [
    ['anthropic', 'claude-sonnet-4-5', 'plain', u(10_000, 1_000), (10_000 * 3 + 1_000 * 15) / 1e6],
    [
      'anthropic',
      'claude-sonnet-4-5',
      'cache write 5m',
      u(10_000, 1_000, 0, 8_000),
      (2_000 * 3 + 8_000 * 3.75 + 1_000 * 15) / 1e6,
    ],
    [
      'anthropic',
      'claude-sonnet-4-5',
      'cache read',
      u(10_000, 1_000, 8_000),
      (2_000 * 3 + 8_000 * 0.3 + 1_000 * 15) / 1e6,
    ],
    [
      'anthropic',
      'claude-sonnet-4-5',
      'cache write 1h',
      u(10_000, 1_000, 0, 8_000, 8_000),
      (2_000 * 3 + 8_000 * 6 + 1_000 * 15) / 1e6,
    ],
    [
      'anthropic',
      'claude-haiku-4-5',
      'read + write + plain',
      u(10_000, 500, 4_000, 3_000),
      (3_000 * 1 + 4_000 * 0.1 + 3_000 * 1.25 + 500 * 5) / 1e6,
    ],
    [
      'anthropic',
      'claude-haiku-4-5',
      'batch (50%)',
      u(10_000, 500),
      ((10_000 * 1 + 500 * 5) / 1e6) * 0.5,
      true,
    ],
    ['openai', 'gpt-4o-mini', 'plain', u(10_000, 1_000), (10_000 * 0.15 + 1_000 * 0.6) / 1e6],
    [
      'openai',
      'gpt-4o-mini',
      'cached prompt',
      u(10_000, 1_000, 6_000),
      (4_000 * 0.15 + 6_000 * 0.075 + 1_000 * 0.6) / 1e6,
    ],
    [
      'openai',
      'gpt-4o',
      'cached prompt',
      u(10_000, 1_000, 6_000),
      (4_000 * 2.5 + 6_000 * 1.25 + 1_000 * 10) / 1e6,
    ],
  ];
  let worst = 0;
  const rows = cases.map(([p, m, shape, usage, expected, batch]) => {
    const got = prices.cost({ pricingProvider: p, model: m }, usage, { batch: Boolean(batch) });
    const err = Math.abs(got - expected);
    worst = Math.max(worst, err);
    return [
      `${p}/${m}`,
      shape,
      expected.toFixed(8),
      got.toFixed(8),
      err < 1e-12 ? 'exact' : err.toExponential(2),
    ];
  });
  table(
    'Cost exactness: price book vs hand-computed list prices',
    ['model', 'usage shape', 'hand-computed $', 'distiq $', 'difference'],
    rows,
  );
  return { worst };
}
