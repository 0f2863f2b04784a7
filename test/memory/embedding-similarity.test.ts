import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cosineSimilarity,
  type EmbeddingRanker,
  embeddingRankerOrLexical,
  localEmbeddingOptions,
  openEmbeddingRanker,
} from '../../src/memory/embedding-similarity.js';
import { ConfigSchema } from '../../src/config/schema.js';
import { FixMemory } from '../../src/memory/fix-memory.js';
import type { Failure } from '../../src/validation/failure.js';
import { tempDir } from '../helpers.js';
import { writeTinyGguf } from '../tiny-gguf.js';

// Real node-llama-cpp embeddings (prebuilt CPU binary) from the suite's tiny GGUF.
let modelPath: string;
let ranker: EmbeddingRanker;

beforeAll(async () => {
  modelPath = path.join(tempDir(), 'tiny.gguf');
  writeTinyGguf(modelPath);
  ranker = await openEmbeddingRanker({ modelPath, gpu: false });
});
afterAll(async () => ranker?.dispose());

const docs = [
  { id: 'a', text: 'tsc TS2322 type {S} is not assignable to type {S} id = str ;' },
  { id: 'b', text: 'eslint no-unused-vars {S} is defined but never used const id = num ;' },
  { id: 'c', text: 'tsc TS2304 cannot find name {S} id ( id ) ;' },
];

describe('embedding similarity (node-llama-cpp embedding context)', () => {
  it('scores identical text 1', async () => {
    const [top] = await ranker.rank(docs[0].text, [docs[0]]);
    expect(top.id).toBe('a');
    expect(top.score).toBeCloseTo(1, 5);
  });

  it('ranks deterministically, best first, whatever the order of the stored fixes', async () => {
    const one = await ranker.rank(docs[2].text, docs);
    const two = await ranker.rank(docs[2].text, [...docs].reverse());
    expect(two).toEqual(one);
    expect(one[0].id).toBe('c');
    expect(one.map((r) => r.score)).toEqual([...one.map((r) => r.score)].sort((x, y) => y - x));
  });

  it('cosine similarity of orthogonal, opposite and zero vectors', () => {
    expect(cosineSimilarity([1, 0], [0, 1])).toBe(0);
    expect(cosineSimilarity([1, 2], [-1, -2])).toBeCloseTo(-1, 10);
    expect(cosineSimilarity([0, 0], [1, 1])).toBe(0);
    expect(() => cosineSimilarity([1], [1, 2])).toThrow(/length/);
  });

  it('fix memory: exact fingerprint first, then the rest by embedding, same tool only', async () => {
    const f = (tool: string, code: string, message: string): Failure => ({
      tool,
      file: 'src/a.ts',
      line: 1,
      column: 1,
      code,
      message,
      severity: 'error',
    });
    const m = new FixMemory(path.join(tempDir(), 'memory.json'));
    const edit = (s: string) => [{ path: 'src/a.ts', search: s, replace: `${s}2` }];
    const meta = { tier: 'cheap', usd: 0.01 };
    m.learn(f('tsc', 'TS2304', "Cannot find name 'foo'."), 'foo();', edit('a'), meta);
    m.learn(f('tsc', 'TS2322', "Type 'string' is not assignable."), 'x = 1;', edit('b'), meta);
    m.learn(f('tsc', 'TS2551', "Property 'fo' does not exist."), 'a.fo;', edit('c'), meta);
    m.learn(f('eslint', 'no-undef', "'foo' is not defined."), 'foo();', edit('d'), meta);
    const failure = f('tsc', 'TS2304', "Cannot find name 'bar'.");
    const got = await m.candidatesByEmbedding(ranker, failure, 'bar();', 3);
    const again = await m.candidatesByEmbedding(ranker, failure, 'bar();', 3);
    expect(got.candidates.map((c) => c.match)).toEqual(['exact', 'similar', 'similar']);
    expect(got.candidates[0]!.entry.hunks[0]!.search).toBe('a');
    expect(got.candidates.every((c) => c.entry.fingerprint.tool === 'tsc')).toBe(true);
    expect(again.candidates.map((c) => c.entry.id)).toEqual(got.candidates.map((c) => c.entry.id));
  });

  it('falls back to lexical with a warning when the model cannot load', async () => {
    const warnings: string[] = [];
    const missing = path.join(tempDir(), 'absent.gguf');
    const r = await embeddingRankerOrLexical({ modelPath: missing, gpu: false }, (m) =>
      warnings.push(m),
    );
    expect(r).toBeNull();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('absent.gguf');
    expect(warnings[0]).toContain('using lexical similarity');
  });

  it('falls back to lexical with a warning when no local model is configured', async () => {
    const warnings: string[] = [];
    expect(await embeddingRankerOrLexical(null, (m) => warnings.push(m))).toBeNull();
    expect(warnings[0]).toMatch(/local model path/);
  });

  it('config: lexical by default; embedding uses the local tier GGUF, resolved from the root', () => {
    expect(ConfigSchema.parse({}).memory.similarity).toBe('lexical');
    const config = ConfigSchema.parse({
      memory: { similarity: 'embedding' },
      providers: { mine: { type: 'llama', modelPath: 'models/x.gguf', gpu: 'off' } },
      tiers: { local: [{ provider: 'mine', model: 'x' }] },
    });
    expect(localEmbeddingOptions(config, '/repo')).toEqual({
      modelPath: path.resolve('/repo', 'models/x.gguf'),
      gpu: false,
    });
    expect(localEmbeddingOptions(ConfigSchema.parse({}), '/repo')).toBeNull();
    expect(() => ConfigSchema.parse({ memory: { similarity: 'minhash' } })).toThrow();
  });
});
