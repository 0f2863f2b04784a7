import { z } from 'zod';
import { nonLlmKeyName } from '../providers/key-policy.js';

// Providers, tier steps and price overrides of the config, with the built-in defaults.

// A provider key variable may not be one that holds a GitHub, registry, cloud, SSH or DB secret.
const apiKeyEnv = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name')
  .refine(
    (v) => !nonLlmKeyName(v),
    'an LLM API key variable (not a GitHub, npm, cloud, SSH or database credential)',
  );

export const providerSpec = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('anthropic'),
      apiKeyEnv: apiKeyEnv.default('ANTHROPIC_API_KEY'),
      baseURL: z.string().url().optional(),
      cacheTtl: z.enum(['5m', '1h']).default('5m'),
    })
    .strict(),
  z
    .object({
      type: z.literal('openai'),
      apiKeyEnv: apiKeyEnv.default('OPENAI_API_KEY'),
      baseURL: z.string().url().optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('openai-compatible'),
      baseURL: z.string().url(),
      apiKeyEnv: apiKeyEnv
        .optional()
        .describe(
          'Variable holding the key; omit for servers without auth (vLLM, llama.cpp, Ollama).',
        ),
      pricingProvider: z
        .string()
        .optional()
        .describe(
          'genai-prices provider id (deepseek, groq, openrouter, …); matched from baseURL when omitted.',
        ),
      free: z.boolean().default(false).describe('A self-hosted server: calls cost $0.'),
    })
    .strict(),
  z
    .object({
      type: z.literal('llama'),
      modelPath: z.string().min(1),
      gpu: z.enum(['auto', 'off']).default('auto'),
      threads: z.number().int().positive().optional(),
      perHourUsd: z.number().min(0).default(0),
      contextSize: z
        .number()
        .int()
        .min(256)
        .optional()
        .describe(
          "Context window in tokens (default: the model's training context, at most 4096).",
        ),
    })
    .strict(),
]);

export const tierStep = z
  .object({ provider: z.string().min(1), model: z.string().min(1) })
  .strict();
export const priceOverride = z
  .object({
    input: z.number().min(0),
    output: z.number().min(0),
    cacheRead: z.number().min(0).optional(),
    cacheWrite: z.number().min(0).optional(),
    cacheWrite1h: z.number().min(0).optional(),
  })
  .strict();

export const DEFAULT_PROVIDERS = {
  anthropic: { type: 'anthropic', apiKeyEnv: 'ANTHROPIC_API_KEY', cacheTtl: '5m' },
  openai: { type: 'openai', apiKeyEnv: 'OPENAI_API_KEY' },
  deepseek: {
    type: 'openai-compatible',
    baseURL: 'https://api.deepseek.com',
    apiKeyEnv: 'DEEPSEEK_API_KEY',
    pricingProvider: 'deepseek',
    free: false,
  },
} as const;

export const DEFAULT_TIERS = {
  local: [],
  cheap: [
    { provider: 'deepseek', model: 'deepseek-chat' },
    { provider: 'anthropic', model: 'claude-haiku-4-5' },
    { provider: 'openai', model: 'gpt-4o-mini' },
  ],
  premium: [
    { provider: 'anthropic', model: 'claude-sonnet-4-5' },
    { provider: 'openai', model: 'gpt-4o' },
  ],
};
