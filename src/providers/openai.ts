import OpenAI from 'openai';
import { z } from 'zod';
import { ProviderError, excerpt } from './errors.js';
import { sdkError } from './sdk-error.js';
import type { ChatRequest, ChatResult, Provider, ProviderType, Usage } from './types.js';

// What the Chat Completions reference documents, as far as distiq reads it. Usage numbers are
// taken as sent and judged in callModel, so a lie is charged rather than crashing here.
const completionShape = z.object({
  model: z.unknown().optional(),
  choices: z
    .array(
      z.object({
        message: z.object({
          content: z.string().nullable().optional(),
          refusal: z.string().nullable().optional(),
        }),
        finish_reason: z.string().nullable().optional(),
      }),
    )
    .min(1),
  usage: z
    .object({
      prompt_tokens: z.unknown(),
      completion_tokens: z.unknown(),
      prompt_tokens_details: z
        .object({ cached_tokens: z.unknown().optional() })
        .nullable()
        .optional(),
    })
    .nullable()
    .optional()
    .transform((u) => u ?? undefined),
});

export interface OpenAIProviderOptions {
  name: string;
  type: 'openai' | 'openai-compatible';
  apiKey: string;
  baseURL?: string;
  timeoutMs?: number;
}

/** OpenAI, and every OpenAI-compatible endpoint (DeepSeek, Groq, OpenRouter, vLLM, llama.cpp server, Ollama…). */
export class OpenAIProvider implements Provider {
  readonly name: string;
  readonly type: ProviderType;
  private readonly client: OpenAI;

  constructor(opts: OpenAIProviderOptions) {
    this.name = opts.name;
    this.type = opts.type;
    // maxRetries 0: every attempt must pass the budget check, so retries happen in callModel.
    this.client = new OpenAI({
      apiKey: opts.apiKey,
      baseURL: opts.baseURL,
      maxRetries: 0,
      timeout: opts.timeoutMs ?? 120_000,
    });
  }

  async chat(model: string, req: ChatRequest): Promise<ChatResult> {
    const started = performance.now();
    const body: OpenAI.Chat.ChatCompletionCreateParamsNonStreaming = {
      model,
      messages: req.messages.map((m) => ({ role: m.role, content: m.content })),
      // Compatible servers know max_tokens; OpenAI's newer models want max_completion_tokens.
      ...(this.type === 'openai'
        ? { max_completion_tokens: req.maxOutputTokens }
        : { max_tokens: req.maxOutputTokens }),
      ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
      ...(req.jsonSchema
        ? {
            response_format: {
              type: 'json_schema',
              json_schema: {
                name: req.jsonSchema.name,
                schema: req.jsonSchema.schema,
                strict: true,
              },
            },
          }
        : {}),
    };
    let raw: unknown;
    try {
      raw = await this.client.chat.completions.create(body, { signal: req.signal });
    } catch (err) {
      throw this.toError(err);
    }
    // The body is checked against the documented shape, never trusted: an HTML page, a proxy's
    // error or a lying usage block is a provider fault with the start of what it sent.
    const parsed = completionShape.safeParse(raw);
    if (!parsed.success) {
      const where = parsed.error.issues[0]?.path.join('.') || 'body';
      throw new ProviderError(
        `${this.name}: HTTP 200 with a body that is not a chat completion (${where}): ${excerpt(raw)}`,
        'bad-response',
        this.name,
      );
    }
    const res = parsed.data;
    const choice = res.choices[0]!;
    const u = res.usage;
    const usage = u
      ? {
          inputTokens: u.prompt_tokens,
          outputTokens: u.completion_tokens,
          cacheReadTokens: u.prompt_tokens_details?.cached_tokens ?? 0, // part of prompt_tokens
          cacheWriteTokens: 0,
          cacheWrite1hTokens: 0,
        }
      : undefined;
    const text = choice.message.content ?? '';
    const finishReason =
      choice.finish_reason === 'length'
        ? 'length'
        : choice.message.refusal
          ? 'refusal'
          : choice.finish_reason === 'stop'
            ? 'stop'
            : 'other';
    // Usage left as sent (possibly absent or garbage): callModel checks it and charges accordingly.
    return {
      text,
      usage: usage as Usage,
      model: typeof res.model === 'string' ? res.model : model,
      provider: this.name,
      latencyMs: Math.round(performance.now() - started),
      finishReason,
    };
  }

  private toError(err: unknown): ProviderError {
    return sdkError(this.name, err, OpenAI);
  }
}
