import path from 'node:path';
import type { DistiqConfig } from '../config/schema.js';
import { AnthropicProvider } from './anthropic.js';
import { LlamaProvider } from './llama.js';
import { OpenAIProvider } from './openai.js';
import type { Provider } from './types.js';

/** Instantiates a configured provider. Keys come from the environment, never from the config file. */
export function createProvider(
  name: string,
  spec: DistiqConfig['providers'][string],
  apiKey: string | undefined,
  root: string,
  o: { timeoutMs?: number } = {},
): Provider {
  const timeoutMs = o.timeoutMs;
  switch (spec.type) {
    case 'anthropic':
      return new AnthropicProvider({
        name,
        apiKey: apiKey ?? '',
        baseURL: spec.baseURL,
        cacheTtl: spec.cacheTtl,
        timeoutMs,
      });
    case 'openai':
      return new OpenAIProvider({
        name,
        type: 'openai',
        apiKey: apiKey ?? '',
        baseURL: spec.baseURL,
        timeoutMs,
      });
    case 'openai-compatible':
      // Servers without auth still need a non-empty key for the SDK; it is never sent anywhere else.
      return new OpenAIProvider({
        name,
        type: 'openai-compatible',
        apiKey: apiKey ?? 'no-key',
        baseURL: spec.baseURL,
        timeoutMs,
      });
    case 'llama':
      return new LlamaProvider({
        name,
        modelPath: path.resolve(root, spec.modelPath),
        gpu: spec.gpu === 'off' ? false : 'auto',
        threads: spec.threads,
        contextSize: spec.contextSize,
      });
  }
}
