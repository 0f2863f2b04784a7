import OpenAI from 'openai';
import { ProviderError, faultFromStatus, retryAfterMs } from './errors.js';
import type { ChatRequest, ChatResult, Provider, ProviderType } from './types.js';

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
    this.client = new OpenAI({ apiKey: opts.apiKey, baseURL: opts.baseURL, maxRetries: 0, timeout: opts.timeoutMs ?? 120_000 });
  }

  async chat(model: string, req: ChatRequest): Promise<ChatResult> {
    const started = performance.now();
    const body: OpenAI.Chat.ChatCompletionCreateParamsNonStreaming = {
      model,
      messages: req.messages.map((m) => ({ role: m.role, content: m.content })),
      // Compatible servers know max_tokens; OpenAI's newer models want max_completion_tokens.
      ...(this.type === 'openai' ? { max_completion_tokens: req.maxOutputTokens } : { max_tokens: req.maxOutputTokens }),
      ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
      ...(req.jsonSchema ? { response_format: { type: 'json_schema', json_schema: { name: req.jsonSchema.name, schema: req.jsonSchema.schema, strict: true } } } : {}),
    };
    let res: OpenAI.Chat.ChatCompletion;
    try {
      res = await this.client.chat.completions.create(body, { signal: req.signal });
    } catch (err) {
      throw this.toError(err);
    }
    const choice = res.choices[0];
    const u = res.usage;
    const usage = {
      inputTokens: u?.prompt_tokens ?? 0,
      outputTokens: u?.completion_tokens ?? 0,
      cacheReadTokens: u?.prompt_tokens_details?.cached_tokens ?? 0, // part of prompt_tokens
      cacheWriteTokens: 0,
      cacheWrite1hTokens: 0,
    };
    if (!u) throw new ProviderError(`${this.name}: the response carried no usage`, 'invalid-output', this.name);
    const text = choice?.message?.content ?? '';
    const finishReason = choice?.finish_reason === 'length' ? 'length' : choice?.message?.refusal ? 'refusal' : choice?.finish_reason === 'stop' ? 'stop' : 'other';
    return { text, usage, model: res.model ?? model, provider: this.name, latencyMs: Math.round(performance.now() - started), finishReason };
  }

  private toError(err: unknown): ProviderError {
    if (err instanceof OpenAI.APIUserAbortError) return new ProviderError(`${this.name}: aborted`, 'aborted', this.name);
    if (err instanceof OpenAI.APIConnectionTimeoutError) return new ProviderError(`${this.name}: request timed out`, 'timeout', this.name);
    if (err instanceof OpenAI.APIConnectionError) return new ProviderError(`${this.name}: connection failed (${err.message})`, 'network', this.name);
    if (err instanceof OpenAI.APIError) {
      const body = JSON.stringify(err.error ?? {}) + ' ' + (err.code ?? '') + ' ' + err.message;
      const fault = faultFromStatus(err.status, body);
      return new ProviderError(`${this.name}: HTTP ${err.status} ${err.message}`, fault, this.name, err.status, retryAfterMs(err.headers as Headers | undefined));
    }
    return new ProviderError(`${this.name}: ${err instanceof Error ? err.message : String(err)}`, 'network', this.name);
  }
}
