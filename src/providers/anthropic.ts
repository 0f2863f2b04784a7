import Anthropic from '@anthropic-ai/sdk';
import { z } from 'zod';
import { ProviderError, excerpt } from './errors.js';
import { sdkError } from './sdk-error.js';
import type { ChatRequest, ChatResult, Provider } from './types.js';

export interface AnthropicProviderOptions {
  name: string;
  apiKey: string;
  baseURL?: string;
  timeoutMs?: number;
  /** "5m" (default) or "1h" cache TTL for the stable prefix. */
  cacheTtl?: '5m' | '1h';
}

const RESULT_TOOL = 'emit_result';

// The parts of the Messages reference distiq reads; usage numbers are judged in callModel.
const messageShape = z.object({
  content: z.array(z.object({ type: z.string() }).passthrough()),
  stop_reason: z.string().nullable().optional(),
  usage: z.object({}).passthrough().nullable().optional(),
});

/**
 * Anthropic Messages API. Structured output goes through a forced tool call whose input schema
 * is the requested schema. The stable prefix (messages marked `cacheBreakpoint`) is sent as
 * system blocks with `cache_control`, so parallel tasks of one job read it from the cache.
 */
export class AnthropicProvider implements Provider {
  readonly name: string;
  readonly type = 'anthropic' as const;
  private readonly client: Anthropic;

  constructor(private readonly opts: AnthropicProviderOptions) {
    this.name = opts.name;
    this.client = new Anthropic({
      apiKey: opts.apiKey,
      baseURL: opts.baseURL,
      maxRetries: 0,
      timeout: opts.timeoutMs ?? 120_000,
    });
  }

  /** The request body, exposed for the batch API and for tests. */
  body(model: string, req: ChatRequest): Anthropic.MessageCreateParamsNonStreaming {
    const system: Anthropic.TextBlockParam[] = [];
    const messages: Anthropic.MessageParam[] = [];
    const cacheControl =
      this.opts.cacheTtl === '1h'
        ? { type: 'ephemeral' as const, ttl: '1h' as const }
        : { type: 'ephemeral' as const };
    let breakpoints = 0;
    for (const m of req.messages) {
      // At most 4 breakpoints are allowed; the earliest ones matter most for a shared prefix.
      const mark =
        m.cacheBreakpoint && breakpoints < 4
          ? (breakpoints++, { cache_control: cacheControl })
          : {};
      if (m.role === 'system') system.push({ type: 'text', text: m.content, ...mark });
      else messages.push({ role: m.role, content: [{ type: 'text', text: m.content, ...mark }] });
    }
    return {
      model,
      max_tokens: req.maxOutputTokens,
      ...(system.length ? { system } : {}),
      messages,
      ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
      ...(req.jsonSchema
        ? {
            tools: [
              {
                name: RESULT_TOOL,
                description: `Return the ${req.jsonSchema.name} as the tool input.`,
                input_schema: req.jsonSchema.schema as Anthropic.Tool.InputSchema,
              },
            ],
            tool_choice: { type: 'tool' as const, name: RESULT_TOOL },
          }
        : {}),
    };
  }

  async chat(model: string, req: ChatRequest): Promise<ChatResult> {
    const started = performance.now();
    let raw: unknown;
    try {
      raw = await this.client.messages.create(this.body(model, req), { signal: req.signal });
    } catch (err) {
      throw this.toError(err);
    }
    // Checked against the documented Message shape, never trusted (an HTML page is a fault).
    const parsed = messageShape.safeParse(raw);
    if (!parsed.success) {
      const where = parsed.error.issues[0]?.path.join('.') || 'body';
      throw new ProviderError(
        `${this.name}: HTTP 200 with a body that is not a message (${where}): ${excerpt(raw)}`,
        'bad-response',
        this.name,
      );
    }
    return toResult(raw as Anthropic.Message, this.name, model, performance.now() - started);
  }

  /**
   * Message Batches (50% of list price, results within 24 h): submits every request at once,
   * polls until the batch ends, and returns one result or error per request, in order.
   */
  async chatBatch(
    model: string,
    reqs: ChatRequest[],
    opts: { pollMs?: number; signal?: AbortSignal; onBatchId?: (id: string) => void } = {},
  ): Promise<(ChatResult | ProviderError)[]> {
    const started = performance.now();
    let batch: Anthropic.Messages.Batches.MessageBatch;
    try {
      batch = await this.client.messages.batches.create(
        { requests: reqs.map((r, i) => ({ custom_id: `req-${i}`, params: this.body(model, r) })) },
        { signal: opts.signal },
      );
      opts.onBatchId?.(batch.id);
      while (batch.processing_status !== 'ended') {
        await new Promise((r) => setTimeout(r, opts.pollMs ?? 30_000));
        batch = await this.client.messages.batches.retrieve(batch.id, undefined, {
          signal: opts.signal,
        });
      }
    } catch (err) {
      throw this.toError(err);
    }
    const results: (ChatResult | ProviderError)[] = reqs.map(
      () => new ProviderError(`${this.name}: no result in batch`, 'server', this.name),
    );
    for await (const item of await this.client.messages.batches.results(batch.id)) {
      const i = Number(item.custom_id.replace('req-', ''));
      if (!(i >= 0 && i < reqs.length)) continue;
      const r = item.result;
      results[i] =
        r.type === 'succeeded'
          ? toResult(r.message, this.name, model, performance.now() - started)
          : new ProviderError(
              `${this.name}: batch request ${r.type}${r.type === 'errored' ? `: ${r.error.error.message}` : ''}`,
              r.type === 'errored' ? 'bad-request' : 'server',
              this.name,
            );
    }
    return results;
  }

  private toError(err: unknown): ProviderError {
    return sdkError(this.name, err, Anthropic);
  }
}

/** Normalizes a Message (from messages.create or a batch result). */
export function toResult(
  res: Anthropic.Message,
  provider: string,
  model: string,
  latencyMs: number,
): ChatResult {
  const u = res.usage as Anthropic.Usage | undefined;
  // Non-numbers become NaN (never string concatenation): callModel rejects and charges them.
  const n = (v: unknown) => (v === undefined || v === null ? 0 : typeof v === 'number' ? v : NaN);
  const cacheWrite = n(u?.cache_creation_input_tokens);
  const cacheRead = n(u?.cache_read_input_tokens);
  const usage = u
    ? {
        // Anthropic's input_tokens excludes cached tokens: the total is the sum of the three.
        inputTokens:
          (typeof u.input_tokens === 'number' ? u.input_tokens : NaN) + cacheWrite + cacheRead,
        outputTokens: typeof u.output_tokens === 'number' ? u.output_tokens : NaN,
        cacheReadTokens: cacheRead,
        cacheWriteTokens: cacheWrite,
        cacheWrite1hTokens: n(u.cache_creation?.ephemeral_1h_input_tokens),
      }
    : (undefined as unknown as ChatResult['usage']);
  const tool = res.content.find(
    (b): b is Anthropic.ToolUseBlock => b.type === 'tool_use' && b.name === RESULT_TOOL,
  );
  const text = tool
    ? JSON.stringify(tool.input)
    : res.content.map((b) => (b.type === 'text' ? b.text : '')).join('');
  const finishReason =
    res.stop_reason === 'max_tokens'
      ? 'length'
      : res.stop_reason === 'refusal'
        ? 'refusal'
        : res.stop_reason === 'end_turn' || res.stop_reason === 'tool_use'
          ? 'stop'
          : 'other';
  return {
    text,
    ...(tool ? { json: tool.input } : {}),
    usage,
    model: res.model ?? model,
    provider,
    latencyMs: Math.round(latencyMs),
    finishReason,
  };
}
