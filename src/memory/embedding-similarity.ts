import path from 'node:path';
import type { DistiqConfig } from '../config/schema.js';
import { loadNodeLlamaCpp } from '../providers/llama-loader.js';

/** A stored fix's abstracted fingerprint text, by entry id. */
export interface SimilarityDoc {
  id: string;
  text: string;
}

export interface RankedDoc {
  id: string;
  score: number;
}

/** Ranks fingerprint texts by cosine similarity of their embeddings (the local tier's GGUF). */
export interface EmbeddingRanker {
  rank(query: string, docs: SimilarityDoc[]): Promise<RankedDoc[]>;
  dispose(): Promise<void>;
}

export interface EmbeddingOptions {
  modelPath: string;
  gpu?: 'auto' | false;
}

/** The embedding model could not be loaded or run; callers fall back to lexical similarity. */
export class EmbeddingUnavailableError extends Error {
  constructor(modelPath: string, cause: unknown) {
    super(
      `embedding similarity unavailable (${modelPath}): ${cause instanceof Error ? cause.message : String(cause)}; using lexical similarity`,
    );
    this.name = 'EmbeddingUnavailableError';
  }
}

/** Cosine similarity in [-1, 1]; 0 when either vector is all zeros. */
export function cosineSimilarity(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) throw new Error('embedding vectors differ in length');
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

/**
 * Loads the GGUF once and embeds through node-llama-cpp's embedding context. Embeddings are
 * cached by text, so stored fingerprints are embedded once per run. Ties are broken by id so
 * the order never depends on insertion order.
 */
export async function openEmbeddingRanker(opts: EmbeddingOptions): Promise<EmbeddingRanker> {
  let ctx: Awaited<ReturnType<LoadedModel['createEmbeddingContext']>>;
  let dispose: () => Promise<void>;
  try {
    const { getLlama } = await loadNodeLlamaCpp();
    // build: "never": only the prebuilt binaries shipped in the npm package, as the local tier.
    const llama = await getLlama({
      gpu: opts.gpu ?? 'auto',
      build: 'never',
      logLevel: 'error' as never,
      progressLogs: false,
    });
    const model = await llama.loadModel({
      modelPath: opts.modelPath,
      gpuLayers: opts.gpu === false ? 0 : 'auto',
    });
    ctx = await model.createEmbeddingContext({ contextSize: 512 });
    dispose = async () => {
      await ctx.dispose();
      await model.dispose();
    };
  } catch (err) {
    throw new EmbeddingUnavailableError(opts.modelPath, err);
  }
  const cache = new Map<string, Promise<readonly number[]>>();
  const embed = (text: string) => {
    let v = cache.get(text);
    if (!v) {
      v = ctx.getEmbeddingFor(text).then((e) => e.vector);
      cache.set(text, v);
    }
    return v;
  };
  return {
    async rank(query, docs) {
      const q = await embed(query);
      const out: RankedDoc[] = [];
      // One at a time: an embedding context evaluates one sequence.
      for (const d of docs) out.push({ id: d.id, score: cosineSimilarity(q, await embed(d.text)) });
      return out.sort((a, b) => b.score - a.score || a.id.localeCompare(b.id));
    },
    dispose: () => dispose(),
  };
}

type LoadedModel = Awaited<
  ReturnType<
    Awaited<ReturnType<Awaited<ReturnType<typeof loadNodeLlamaCpp>>['getLlama']>>['loadModel']
  >
>;

/**
 * The ranker for `memory.similarity: "embedding"`, or null (lexical) with a warning for the
 * report when the model cannot load: similarity is an optimisation and never fails a run.
 */
export async function embeddingRankerOrLexical(
  opts: EmbeddingOptions | null,
  warn: (message: string) => void,
): Promise<EmbeddingRanker | null> {
  if (!opts) {
    warn('embedding similarity needs a local model path; using lexical similarity');
    return null;
  }
  try {
    return await openEmbeddingRanker(opts);
  } catch (err) {
    warn(err instanceof Error ? err.message : String(err));
    return null;
  }
}

/** The local tier's GGUF (its first llama step), resolved against the repo root; null if none. */
export function localEmbeddingOptions(config: DistiqConfig, root: string): EmbeddingOptions | null {
  for (const step of config.tiers.local ?? []) {
    const spec = config.providers[step.provider];
    if (spec?.type === 'llama')
      return {
        modelPath: path.resolve(root, spec.modelPath),
        gpu: spec.gpu === 'off' ? false : 'auto',
      };
  }
  return null;
}
