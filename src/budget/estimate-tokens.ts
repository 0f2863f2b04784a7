import type { ChatRequest } from '../providers/types.js';

let encoder: ((text: string) => number) | undefined;

async function counter(): Promise<(text: string) => number> {
  if (!encoder) {
    const { countTokens } = await import('gpt-tokenizer');
    encoder = (t: string) => countTokens(t);
  }
  return encoder;
}

/**
 * Input tokens of a request, counted with a real BPE tokenizer (o200k) and padded: other vendors'
 * tokenizers give up to ~20% more tokens for code, and every message, tool and schema has framing.
 * The result is what the budget reserves, so it errs high.
 */
export async function estimateInputTokens(req: ChatRequest, providerType: string): Promise<number> {
  const count = await counter();
  let n = 0;
  for (const m of req.messages) n += count(m.content) + 8;
  if (req.jsonSchema) n += count(JSON.stringify(req.jsonSchema.schema)) + 64;
  const margin = providerType === 'openai' ? 1.05 : 1.3;
  return Math.ceil(n * margin) + 16;
}
