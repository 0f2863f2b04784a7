/**
 * The provider seam: one small interface every model backend implements.
 * Vendor quirks stay inside each implementation; usage is normalized at the edge.
 */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
  /** End of the stable, cacheable prefix (rules, repo map, shared context): providers that cache mark it. */
  cacheBreakpoint?: boolean;
}

export interface JsonSchemaSpec {
  name: string;
  schema: Record<string, unknown>;
}

export interface ChatRequest {
  messages: ChatMessage[];
  /** Structured output: the answer must be JSON matching this schema. */
  jsonSchema?: JsonSchemaSpec;
  maxOutputTokens: number;
  temperature?: number;
  signal?: AbortSignal;
}

/**
 * Token counts of one call. `inputTokens` is the TOTAL input, cache reads and writes included
 * (OpenAI's prompt_tokens; for Anthropic input_tokens + cache_creation + cache_read), so each
 * cache figure is a part of it and nothing is counted twice.
 */
export interface Usage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  /** The part of cacheWriteTokens written with a 1-hour TTL (priced higher). */
  cacheWrite1hTokens: number;
}

export interface ChatResult {
  text: string;
  /** Parsed JSON when a schema was requested (validated against it by the caller). */
  json?: unknown;
  usage: Usage;
  model: string;
  provider: string;
  latencyMs: number;
  finishReason: 'stop' | 'length' | 'refusal' | 'other';
}

export interface Provider {
  /** Config name of this provider instance, e.g. "deepseek". */
  readonly name: string;
  readonly type: ProviderType;
  chat(model: string, req: ChatRequest): Promise<ChatResult>;
}

export type ProviderType = 'anthropic' | 'openai' | 'openai-compatible' | 'llama' | 'scripted';

export function emptyUsage(): Usage {
  return {
    inputTokens: 0,
    outputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    cacheWrite1hTokens: 0,
  };
}

export function addUsage(a: Usage, b: Usage): Usage {
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    cacheReadTokens: a.cacheReadTokens + b.cacheReadTokens,
    cacheWriteTokens: a.cacheWriteTokens + b.cacheWriteTokens,
    cacheWrite1hTokens: a.cacheWrite1hTokens + b.cacheWrite1hTokens,
  };
}
