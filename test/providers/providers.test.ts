import nock from 'nock';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Budget } from '../../src/budget/budget.js';
import {
  CallRecorder,
  callModel,
  ModelCallFailedError,
  type LadderStep,
} from '../../src/budget/call-model.js';
import { Ledger } from '../../src/budget/ledger.js';
import { PriceBook } from '../../src/budget/prices.js';
import { AnthropicProvider } from '../../src/providers/anthropic.js';
import { ProviderError } from '../../src/providers/errors.js';
import { OpenAIProvider } from '../../src/providers/openai.js';
import type { ChatRequest } from '../../src/providers/types.js';
import { tempDir } from '../helpers.js';

// Response and error bodies follow the Anthropic Messages and OpenAI Chat Completions API references.
const SCHEMA = {
  type: 'object',
  properties: { answer: { type: 'string' } },
  required: ['answer'],
  additionalProperties: false,
};
const REQUEST: ChatRequest = {
  messages: [
    { role: 'system', content: 'RULES: you repair code.', cacheBreakpoint: true },
    { role: 'system', content: 'REPO MAP: src/a.ts …', cacheBreakpoint: true },
    { role: 'user', content: 'Fix src/a.ts' },
  ],
  jsonSchema: { name: 'answer', schema: SCHEMA },
  maxOutputTokens: 512,
};

const anthropicMessage = (input: unknown, usage: Record<string, unknown>, stop = 'tool_use') => ({
  id: 'msg_01XFDUDYJgAACzvnptvVoYEL',
  type: 'message',
  role: 'assistant',
  model: 'claude-haiku-4-5-20251001',
  content: [{ type: 'tool_use', id: 'toolu_01A09q90qw90lq917835lq9', name: 'emit_result', input }],
  stop_reason: stop,
  stop_sequence: null,
  usage: {
    input_tokens: 25,
    output_tokens: 40,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    service_tier: 'standard',
    ...usage,
  },
});

const openaiCompletion = (content: string, usage: Record<string, unknown>, finish = 'stop') => ({
  id: 'chatcmpl-abc123',
  object: 'chat.completion',
  created: 1741569952,
  model: 'gpt-4o-mini-2024-07-18',
  choices: [
    {
      index: 0,
      message: { role: 'assistant', content, refusal: null, annotations: [] },
      logprobs: null,
      finish_reason: finish,
    },
  ],
  usage: {
    prompt_tokens: 120,
    completion_tokens: 30,
    total_tokens: 150,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
    ...usage,
  },
  service_tier: 'default',
});

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());

describe('anthropic provider', () => {
  const provider = new AnthropicProvider({
    name: 'anthropic',
    apiKey: 'sk-ant-test-key-000000000000',
  });

  it('structured output through a forced tool; cache_control on the stable prefix; usage normalized', async () => {
    let body: any;
    // reqheaders: the interceptor only matches a request carrying the key and an API version.
    const scope = nock('https://api.anthropic.com', {
      reqheaders: {
        'x-api-key': 'sk-ant-test-key-000000000000',
        'anthropic-version': /^\d{4}-\d{2}-\d{2}$/,
      },
    })
      .post('/v1/messages', (b) => ((body = b), true))
      .reply(
        200,
        anthropicMessage(
          { answer: 'ok' },
          {
            input_tokens: 25,
            cache_creation_input_tokens: 1200,
            cache_read_input_tokens: 300,
            cache_creation: { ephemeral_5m_input_tokens: 1200, ephemeral_1h_input_tokens: 0 },
          },
        ),
      );
    const res = await provider.chat('claude-haiku-4-5', REQUEST);
    expect(scope.isDone()).toBe(true);
    expect(body.max_tokens).toBe(512);
    expect(body.system).toEqual([
      { type: 'text', text: 'RULES: you repair code.', cache_control: { type: 'ephemeral' } },
      { type: 'text', text: 'REPO MAP: src/a.ts …', cache_control: { type: 'ephemeral' } },
    ]);
    expect(body.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Fix src/a.ts' }] },
    ]);
    expect(body.tools).toEqual([
      { name: 'emit_result', description: expect.any(String), input_schema: SCHEMA },
    ]);
    expect(body.tool_choice).toEqual({ type: 'tool', name: 'emit_result' });
    expect(res.json).toEqual({ answer: 'ok' });
    expect(res.usage).toEqual({
      inputTokens: 25 + 1200 + 300,
      outputTokens: 40,
      cacheReadTokens: 300,
      cacheWriteTokens: 1200,
      cacheWrite1hTokens: 0,
    });
    // And priced without double counting: 25 plain + 1200 written (1.25×) + 300 read (0.1×).
    const usd = new PriceBook().cost(
      { pricingProvider: 'anthropic', model: 'claude-haiku-4-5' },
      res.usage,
    );
    expect(usd).toBeCloseTo((25 * 1 + 1200 * 1.25 + 300 * 0.1 + 40 * 5) / 1e6, 12);
  });

  it('never more than 4 cache breakpoints; 1-hour TTL when configured', async () => {
    let body: any;
    nock('https://api.anthropic.com')
      .post('/v1/messages', (b) => ((body = b), true))
      .reply(200, anthropicMessage({ answer: 'ok' }, {}));
    const p1h = new AnthropicProvider({ name: 'a', apiKey: 'k', cacheTtl: '1h' });
    await p1h.chat('claude-haiku-4-5', {
      ...REQUEST,
      messages: Array.from({ length: 6 }, (_, i) => ({
        role: 'system' as const,
        content: `part ${i}`,
        cacheBreakpoint: true,
      })).concat([{ role: 'system', content: 'x', cacheBreakpoint: false }]),
    });
    const marked = body.system.filter((b: any) => b.cache_control);
    expect(marked).toHaveLength(4);
    expect(marked[0].cache_control).toEqual({ type: 'ephemeral', ttl: '1h' });
  });

  it.each([
    [
      529,
      { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
      {},
      'overloaded',
      true,
      undefined,
    ],
    [
      429,
      {
        type: 'error',
        error: {
          type: 'rate_limit_error',
          message: 'Number of request tokens has exceeded your per-minute rate limit',
        },
      },
      { 'retry-after': '7' },
      'rate-limit',
      true,
      7000,
    ],
    [
      400,
      {
        type: 'error',
        error: { type: 'invalid_request_error', message: 'max_tokens: Field required' },
      },
      {},
      'bad-request',
      false,
      undefined,
    ],
    [
      401,
      { type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } },
      {},
      'auth',
      false,
      undefined,
    ],
    [
      500,
      { type: 'error', error: { type: 'api_error', message: 'Internal server error' } },
      {},
      'server',
      true,
      undefined,
    ],
  ])('HTTP %i is classified', async (status, body, headers, fault, retryable, retryAfter) => {
    nock('https://api.anthropic.com').post('/v1/messages').reply(status, body, headers);
    const err = (await provider
      .chat('claude-haiku-4-5', REQUEST)
      .catch((e: unknown) => e)) as ProviderError;
    expect(err).toBeInstanceOf(ProviderError);
    expect(err.fault).toBe(fault);
    expect(err.retryable).toBe(retryable);
    expect(err.retryAfterMs).toBe(retryAfter);
  });

  it('a response cut at max_tokens is reported as truncated', async () => {
    nock('https://api.anthropic.com')
      .post('/v1/messages')
      .reply(200, anthropicMessage({ answer: 'partial' }, {}, 'max_tokens'));
    expect((await provider.chat('claude-haiku-4-5', REQUEST)).finishReason).toBe('length');
  });
});

describe('openai provider', () => {
  it('json_schema response format, max_completion_tokens, cached tokens inside prompt_tokens', async () => {
    let body: any;
    nock('https://api.openai.com')
      .post('/v1/chat/completions', (b) => ((body = b), true))
      .reply(
        200,
        openaiCompletion('{"answer":"ok"}', {
          prompt_tokens: 2000,
          prompt_tokens_details: { cached_tokens: 1536, audio_tokens: 0 },
        }),
      );
    const p = new OpenAIProvider({
      name: 'openai',
      type: 'openai',
      apiKey: 'sk-test-000000000000000000',
    });
    const res = await p.chat('gpt-4o-mini', REQUEST);
    expect(body.response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'answer', schema: SCHEMA, strict: true },
    });
    expect(body.max_completion_tokens).toBe(512);
    expect(body.max_tokens).toBeUndefined();
    expect(res.usage).toMatchObject({ inputTokens: 2000, cacheReadTokens: 1536, outputTokens: 30 });
    const usd = new PriceBook().cost(
      { pricingProvider: 'openai', model: 'gpt-4o-mini' },
      res.usage,
    );
    expect(usd).toBeCloseTo((464 * 0.15 + 1536 * 0.075 + 30 * 0.6) / 1e6, 12);
  });

  it('openai-compatible endpoints get max_tokens and the configured base URL', async () => {
    let body: any;
    nock('https://api.deepseek.com')
      .post('/chat/completions', (b) => ((body = b), true))
      .reply(200, openaiCompletion('{"answer":"ok"}', {}));
    const p = new OpenAIProvider({
      name: 'deepseek',
      type: 'openai-compatible',
      apiKey: 'k',
      baseURL: 'https://api.deepseek.com',
    });
    await p.chat('deepseek-chat', REQUEST);
    expect(body.max_tokens).toBe(512);
    expect(body.model).toBe('deepseek-chat');
  });

  it('429 insufficient_quota stops; 429 rate limit waits retry-after-ms', async () => {
    const p = new OpenAIProvider({ name: 'openai', type: 'openai', apiKey: 'k' });
    nock('https://api.openai.com')
      .post('/v1/chat/completions')
      .reply(429, {
        error: {
          message: 'You exceeded your current quota, please check your plan and billing details.',
          type: 'insufficient_quota',
          param: null,
          code: 'insufficient_quota',
        },
      });
    const quota = (await p.chat('gpt-4o-mini', REQUEST).catch((e: unknown) => e)) as ProviderError;
    expect(quota.fault).toBe('quota');
    expect(quota.retryable).toBe(false);
    nock('https://api.openai.com')
      .post('/v1/chat/completions')
      .reply(
        429,
        {
          error: {
            message: 'Rate limit reached for requests',
            type: 'requests',
            param: null,
            code: 'rate_limit_exceeded',
          },
        },
        { 'retry-after-ms': '250' },
      );
    const limited = (await p
      .chat('gpt-4o-mini', REQUEST)
      .catch((e: unknown) => e)) as ProviderError;
    expect(limited.fault).toBe('rate-limit');
    expect(limited.retryAfterMs).toBe(250);
  });
});

describe('callModel through real HTTP clients', () => {
  const prices = new PriceBook();
  const setup = () => {
    const file = path.join(tempDir(), 'ledger.jsonl');
    return {
      file,
      budget: new Budget(new Ledger(file), { perRun: 1 }, 'run'),
      recorder: new CallRecorder(),
    };
  };
  const openai = (name = 'openai') =>
    ({
      tier: 'cheap',
      provider: new OpenAIProvider({ name, type: 'openai', apiKey: 'k' }),
      model: 'gpt-4o-mini',
      priced: { pricingProvider: 'openai', model: 'gpt-4o-mini' },
    }) satisfies LadderStep;
  const sleeps: number[] = [];
  const sleep = async (ms: number) => void sleeps.push(ms);

  it('a 429 with retry-after is waited out and retried; the refused attempt costs nothing', async () => {
    const { budget, recorder } = setup();
    sleeps.length = 0;
    nock('https://api.openai.com')
      .post('/v1/chat/completions')
      .reply(
        429,
        { error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } },
        { 'retry-after': '2' },
      )
      .post('/v1/chat/completions')
      .reply(200, openaiCompletion('{"answer":"ok"}', {}));
    const res = await callModel({
      steps: [openai()],
      request: REQUEST,
      budget,
      prices,
      recorder,
      sleep,
    });
    expect(res.json).toEqual({ answer: 'ok' });
    expect(sleeps).toEqual([2000]);
    expect(recorder.records.map((r) => [r.outcome, r.usd > 0])).toEqual([
      ['failed', false],
      ['ok', true],
    ]);
    expect(await budget.spentThisRun()).toBeCloseTo(recorder.totalUsd(), 12);
  });

  it('a truncated answer is billed, never used, and retried once with the error as feedback', async () => {
    const { budget, recorder } = setup();
    let second: any;
    nock('https://api.openai.com')
      .post('/v1/chat/completions')
      .reply(200, openaiCompletion('{"answer":"par', {}, 'length'))
      .post('/v1/chat/completions', (b) => ((second = b), true))
      .reply(200, openaiCompletion('{"answer":"done"}', {}));
    const res = await callModel({
      steps: [openai()],
      request: REQUEST,
      budget,
      prices,
      recorder,
      sleep,
    });
    expect(res.json).toEqual({ answer: 'done' });
    expect(second.messages.at(-1).content).toContain('cut at the 512-token limit');
    expect(recorder.records.map((r) => r.outcome)).toEqual(['failed', 'ok']);
    expect(recorder.records.every((r) => r.usd > 0)).toBe(true); // every attempt counts
  });

  it('malformed JSON twice moves to the next fallback; quota errors skip retries', async () => {
    const { budget, recorder } = setup();
    nock('https://api.openai.com')
      .post('/v1/chat/completions')
      .times(2)
      .reply(200, openaiCompletion('this is not json', {}));
    nock('https://api.anthropic.com')
      .post('/v1/messages')
      .reply(200, anthropicMessage({ answer: 'from fallback' }, {}));
    const fallback: LadderStep = {
      tier: 'cheap',
      provider: new AnthropicProvider({ name: 'anthropic', apiKey: 'k' }),
      model: 'claude-haiku-4-5',
      priced: { pricingProvider: 'anthropic', model: 'claude-haiku-4-5' },
    };
    const res = await callModel({
      steps: [openai(), fallback],
      request: REQUEST,
      budget,
      prices,
      recorder,
      sleep,
      validate: (j) => (typeof (j as any).answer === 'string' ? null : 'answer missing'),
    });
    expect(res.json).toEqual({ answer: 'from fallback' });
    expect(res.escalations).toEqual([expect.stringContaining('not valid JSON')]);
    const { budget: b2, recorder: r2 } = setup();
    nock('https://api.openai.com')
      .post('/v1/chat/completions')
      .reply(429, {
        error: { message: 'quota', type: 'insufficient_quota', code: 'insufficient_quota' },
      });
    await expect(
      callModel({ steps: [openai()], request: REQUEST, budget: b2, prices, recorder: r2, sleep }),
    ).rejects.toThrow(ModelCallFailedError);
    expect(r2.records).toHaveLength(1);
  });

  it('529 overloaded: bounded retries with backoff, then the next provider', async () => {
    const { budget, recorder } = setup();
    sleeps.length = 0;
    nock('https://api.anthropic.com')
      .post('/v1/messages')
      .times(3)
      .reply(529, { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
    nock('https://api.openai.com')
      .post('/v1/chat/completions')
      .reply(200, openaiCompletion('{"answer":"ok"}', {}));
    const first: LadderStep = {
      tier: 'cheap',
      provider: new AnthropicProvider({ name: 'anthropic', apiKey: 'k' }),
      model: 'claude-haiku-4-5',
      priced: { pricingProvider: 'anthropic', model: 'claude-haiku-4-5' },
    };
    const res = await callModel({
      steps: [first, openai()],
      request: REQUEST,
      budget,
      prices,
      recorder,
      sleep,
      maxRetries: 2,
      backoff: { baseMs: 100, maxMs: 1000 },
    });
    expect(res.step.provider.name).toBe('openai');
    expect(sleeps).toHaveLength(2);
    expect(sleeps[0]).toBeGreaterThanOrEqual(50);
    expect(sleeps[1]).toBeGreaterThanOrEqual(100);
    expect(res.escalations).toHaveLength(1);
    expect(res.escalations[0]).toMatch(
      /^cheap\/anthropic\/claude-haiku-4-5: overloaded \(HTTP 529\): /,
    );
  });
});

describe('anthropic message batches (non-urgent, 50% price)', () => {
  it('submits, polls and reads results in order (the batch price is 50%)', async () => {
    let created: any;
    const batch = (status: string) => ({
      id: 'msgbatch_013Zva2CMHLNnXjNJJKqJ2EF',
      type: 'message_batch',
      processing_status: status,
      request_counts: {
        processing: status === 'ended' ? 0 : 2,
        succeeded: status === 'ended' ? 1 : 0,
        errored: status === 'ended' ? 1 : 0,
        canceled: 0,
        expired: 0,
      },
      ended_at: null,
      created_at: '2026-11-21T18:37:24.100435Z',
      expires_at: '2026-11-22T18:37:24.100435Z',
      cancel_initiated_at: null,
      archived_at: null,
      results_url:
        status === 'ended'
          ? 'https://api.anthropic.com/v1/messages/batches/msgbatch_013Zva2CMHLNnXjNJJKqJ2EF/results'
          : null,
    });
    const results = [
      {
        custom_id: 'req-1',
        result: {
          type: 'errored',
          error: {
            type: 'error',
            error: { type: 'invalid_request_error', message: 'prompt is too long' },
          },
        },
      },
      {
        custom_id: 'req-0',
        result: {
          type: 'succeeded',
          message: anthropicMessage(
            { answer: 'batched' },
            { input_tokens: 1000, output_tokens: 100 },
          ),
        },
      },
    ];
    nock('https://api.anthropic.com')
      .post('/v1/messages/batches', (b) => ((created = b), true))
      .reply(200, batch('in_progress'))
      .get('/v1/messages/batches/msgbatch_013Zva2CMHLNnXjNJJKqJ2EF')
      .times(2) // once by our poll, once by the SDK's results() to find results_url
      .reply(200, batch('ended'))
      .get('/v1/messages/batches/msgbatch_013Zva2CMHLNnXjNJJKqJ2EF/results')
      .reply(200, results.map((r) => JSON.stringify(r)).join('\n') + '\n', {
        'content-type': 'application/binary',
      });
    const provider = new AnthropicProvider({ name: 'anthropic', apiKey: 'k' });
    const out = await provider.chatBatch('claude-haiku-4-5', [REQUEST, REQUEST], { pollMs: 1 });
    expect(created.requests.map((r: any) => r.custom_id)).toEqual(['req-0', 'req-1']);
    expect(created.requests[0].params.tool_choice).toEqual({ type: 'tool', name: 'emit_result' });
    expect((out[0] as any).json).toEqual({ answer: 'batched' });
    expect(out[1]).toBeInstanceOf(ProviderError);
    const usage = (out[0] as any).usage;
    expect(
      new PriceBook().cost({ pricingProvider: 'anthropic', model: 'claude-haiku-4-5' }, usage, {
        batch: true,
      }),
    ).toBeCloseTo(((1000 * 1 + 100 * 5) / 1e6) * 0.5, 12);
  });
});
