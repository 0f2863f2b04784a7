import { ProviderError, type ProviderFault } from './errors.js';
import type { ChatRequest, ChatResult, Provider, Usage } from './types.js';

/** One scripted answer: text (with usage), or a fault to throw. */
export type ScriptedTurn =
  | {
      text: string;
      usage?: Partial<Usage>;
      finishReason?: ChatResult['finishReason'];
      delayMs?: number;
    }
  | { fault: ProviderFault; status?: number; retryAfterMs?: number; delayMs?: number };

/**
 * A scripted model for tests: it answers from a list, records every request it saw,
 * and never touches the network. Its name says what it is.
 */
export class ScriptedProvider implements Provider {
  readonly type = 'scripted' as const;
  readonly requests: { model: string; req: ChatRequest }[] = [];

  constructor(
    readonly name: string,
    private readonly script: ScriptedTurn[] | ((req: ChatRequest, n: number) => ScriptedTurn),
  ) {}

  async chat(model: string, req: ChatRequest): Promise<ChatResult> {
    const n = this.requests.length;
    this.requests.push({ model, req });
    const turn =
      typeof this.script === 'function'
        ? this.script(req, n)
        : this.script[Math.min(n, this.script.length - 1)];
    if (!turn) throw new Error('scripted provider has no turns');
    if (turn.delayMs) await new Promise((r) => setTimeout(r, turn.delayMs));
    if ('fault' in turn)
      throw new ProviderError(
        `${this.name}: scripted ${turn.fault}`,
        turn.fault,
        this.name,
        turn.status,
        turn.retryAfterMs,
      );
    const usage: Usage = {
      inputTokens: 100,
      outputTokens: 20,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      cacheWrite1hTokens: 0,
      ...turn.usage,
    };
    return {
      text: turn.text,
      usage,
      model,
      provider: this.name,
      latencyMs: turn.delayMs ?? 0,
      finishReason: turn.finishReason ?? 'stop',
    };
  }
}
