import { statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Budget } from '../../src/budget/budget.js';
import { CallRecorder, callModel } from '../../src/budget/call-model.js';
import { Ledger } from '../../src/budget/ledger.js';
import { PriceBook } from '../../src/budget/prices.js';
import { LlamaProvider } from '../../src/providers/llama.js';
import { tempDir } from '../helpers.js';
import { writeTinyGguf } from '../tiny-gguf.js';

// Real node-llama-cpp inference (prebuilt CPU binary from the npm package) on a model this suite writes.
let modelPath: string;
let provider: LlamaProvider;

beforeAll(() => {
  modelPath = path.join(tempDir(), 'tiny.gguf');
  writeTinyGguf(modelPath);
  provider = new LlamaProvider({
    name: 'local',
    modelPath,
    gpu: false,
    threads: 1,
    contextSize: 512,
  });
});
afterAll(async () => provider?.dispose());

const Answer = z.object({ status: z.enum(['ok', 'fail']), note: z.string() }).strict();
const schema = z.toJSONSchema(Answer) as Record<string, unknown>;

describe('llama provider (node-llama-cpp, in-process)', () => {
  it('the generated GGUF is small', () => {
    expect(statSync(modelPath).size).toBeLessThan(1_000_000);
  });

  it('loads the model and returns JSON that the schema accepts, through the grammar', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await provider.chat('tiny', {
        messages: [
          { role: 'system', content: 'Answer in JSON.' },
          { role: 'user', content: `Is build ${i} ok?` },
        ],
        jsonSchema: { name: 'answer', schema },
        maxOutputTokens: 60,
      });
      expect(res.finishReason).toBe('stop');
      expect(Answer.safeParse(res.json).success).toBe(true);
      expect(res.usage.inputTokens).toBeGreaterThan(0);
      expect(res.usage.outputTokens).toBeGreaterThan(0);
    }
  });

  it('runs through callModel at $0 and is recorded as a local call', async () => {
    const recorder = new CallRecorder();
    const budget = new Budget(
      new Ledger(path.join(tempDir(), 'l.jsonl')),
      { perRun: 0.000001 },
      'local-run',
    );
    const res = await callModel({
      steps: [
        {
          tier: 'local',
          provider,
          model: 'tiny',
          priced: { pricingProvider: null, model: 'tiny' },
        },
      ],
      request: {
        messages: [{ role: 'user', content: 'status?' }],
        jsonSchema: { name: 'answer', schema },
        maxOutputTokens: 60,
      },
      budget,
      prices: new PriceBook(),
      recorder,
      validate: (j) => (Answer.safeParse(j).success ? null : 'schema mismatch'),
    });
    expect(Answer.parse(res.json)).toBeDefined();
    expect(recorder.records).toEqual([
      expect.objectContaining({ tier: 'local', usd: 0, outcome: 'ok' }),
    ]);
  });
});
