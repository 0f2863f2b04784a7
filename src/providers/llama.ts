import { ProviderError } from './errors.js';
import { type LlamaModule, loadNodeLlamaCpp } from './llama-loader.js';
import type { ChatRequest, ChatResult, Provider } from './types.js';

export interface LlamaProviderOptions {
  name: string;
  modelPath: string;
  /** "auto" uses a GPU when node-llama-cpp finds one (self-hosted GPU runners), else the CPU. */
  gpu?: 'auto' | false;
  threads?: number;
  contextSize?: number;
}

type Loaded = {
  llama: Awaited<ReturnType<LlamaModule['getLlama']>>;
  model: Awaited<ReturnType<Awaited<ReturnType<LlamaModule['getLlama']>>['loadModel']>>;
};

/**
 * A local GGUF model in-process through node-llama-cpp. Structured output is enforced while
 * sampling by a grammar built from the JSON schema. Loaded lazily, once per provider.
 */
export class LlamaProvider implements Provider {
  readonly name: string;
  readonly type = 'llama' as const;
  private loaded?: Promise<Loaded>;

  constructor(private readonly opts: LlamaProviderOptions) {
    this.name = opts.name;
  }

  private load(): Promise<Loaded> {
    this.loaded ??= (async () => {
      const { getLlama } = await loadNodeLlamaCpp();
      // build: "never": only the prebuilt binaries that ship in the npm package; nothing is compiled or downloaded.
      const llama = await getLlama({
        gpu: this.opts.gpu ?? 'auto',
        build: 'never',
        logLevel: 'error' as never,
        progressLogs: false,
      });
      const model = await llama.loadModel({
        modelPath: this.opts.modelPath,
        gpuLayers: this.opts.gpu === false ? 0 : 'auto',
      });
      return { llama, model };
    })();
    return this.loaded;
  }

  async chat(modelName: string, req: ChatRequest): Promise<ChatResult> {
    const started = performance.now();
    let loaded: Loaded;
    let LlamaChatSession: LlamaModule['LlamaChatSession'];
    try {
      ({ LlamaChatSession } = await loadNodeLlamaCpp());
      loaded = await this.load();
    } catch (err) {
      throw new ProviderError(
        `${this.name}: cannot load ${this.opts.modelPath}: ${err instanceof Error ? err.message : String(err)}`,
        'bad-request',
        this.name,
      );
    }
    const { llama, model } = loaded;
    const context = await model.createContext({
      contextSize: this.opts.contextSize ?? Math.min(model.trainContextSize, 4096),
      threads: this.opts.threads ?? 2,
    });
    try {
      const system = req.messages
        .filter((m) => m.role === 'system')
        .map((m) => m.content)
        .join('\n\n');
      const prompt = req.messages
        .filter((m) => m.role !== 'system')
        .map((m) => m.content)
        .join('\n\n');
      const session = new LlamaChatSession({
        contextSequence: context.getSequence(),
        ...(system ? { systemPrompt: system } : {}),
      });
      const grammar = req.jsonSchema
        ? await llama.createGrammarForJsonSchema(req.jsonSchema.schema as never)
        : undefined;
      const inputTokens = model.tokenize(system + '\n' + prompt).length;
      let text: string;
      try {
        text = await session.prompt(prompt, {
          maxTokens: req.maxOutputTokens,
          signal: req.signal,
          ...(grammar ? { grammar } : {}),
        });
      } catch (err) {
        if (req.signal?.aborted)
          throw new ProviderError(`${this.name}: aborted`, 'aborted', this.name);
        throw new ProviderError(
          `${this.name}: generation failed: ${err instanceof Error ? err.message : String(err)}`,
          'server',
          this.name,
        );
      }
      const outputTokens = model.tokenize(text).length;
      let json: unknown;
      let finishReason: ChatResult['finishReason'] =
        outputTokens >= req.maxOutputTokens ? 'length' : 'stop';
      if (grammar) {
        try {
          json = grammar.parse(text);
          finishReason = 'stop';
        } catch {
          finishReason = outputTokens >= req.maxOutputTokens ? 'length' : 'other';
        }
      }
      return {
        text,
        ...(json !== undefined ? { json } : {}),
        usage: {
          inputTokens,
          outputTokens,
          cacheReadTokens: 0,
          cacheWriteTokens: 0,
          cacheWrite1hTokens: 0,
        },
        model: modelName,
        provider: this.name,
        latencyMs: Math.round(performance.now() - started),
        finishReason,
      };
    } finally {
      await context.dispose();
    }
  }

  async dispose(): Promise<void> {
    if (!this.loaded) return;
    const { model } = await this.loaded.catch(() => ({ model: undefined }));
    await model?.dispose();
  }
}
