import { existsSync } from 'node:fs';
import path from 'node:path';
import type { LadderStep } from '../budget/call-model.js';
import type { PriceBook, PricedModel } from '../budget/prices.js';
import {
  DEFAULT_PROVIDERS,
  DEFAULT_TIERS,
  type DistiqConfig,
  type TierName,
} from '../config/schema.js';
import { ConfigError } from '../errors.js';
import {
  configInRepo,
  DOCUMENTED_HOSTS,
  nonLlmKeyValue,
  repoConfigTrusted,
  undocumentedHost,
} from '../providers/key-policy.js';
import type { Provider } from '../providers/types.js';

type ProviderSpec = DistiqConfig['providers'][string];

export interface StepInfo {
  tier: TierName;
  provider: string;
  model: string;
  usable: boolean;
  /** Why not usable (missing key, missing model file), in one line. */
  reason?: string;
  priced: PricedModel;
}

export interface TierLadder {
  tier: TierName;
  steps: LadderStep[];
  info: StepInfo[];
}

export const MODEL_TIERS = ['local', 'cheap', 'premium'] as const satisfies readonly TierName[];

export function providerSpecs(config: DistiqConfig): Record<string, ProviderSpec> {
  return { ...(DEFAULT_PROVIDERS as unknown as Record<string, ProviderSpec>), ...config.providers };
}

export function tierSteps(
  config: DistiqConfig,
  tier: Exclude<TierName, 'autofix' | 'memory'>,
): { provider: string; model: string }[] {
  return config.tiers[tier] ?? DEFAULT_TIERS[tier];
}

/**
 * Builds the provider+model ladder of each requested model tier. A step whose provider is not
 * configured (no key, no model file) is kept in `info` with its reason and left out of `steps`;
 * a step that names an unknown provider or an unpriced model is a config error, before any spend.
 */
export function buildLadders(opts: {
  config: DistiqConfig;
  configFile: string;
  root: string;
  tiers: TierName[];
  env: NodeJS.ProcessEnv;
  prices: PriceBook;
  create: (
    name: string,
    spec: ProviderSpec,
    apiKey: string | undefined,
    root: string,
    o?: { timeoutMs?: number },
  ) => Provider;
}): TierLadder[] {
  const specs = providerSpecs(opts.config);
  const timeoutMs = (opts.config.models.requestTimeoutSec ?? 120) * 1000;
  const instances = new Map<string, Provider>();
  const ladders: TierLadder[] = [];
  for (const tier of opts.tiers) {
    if (tier === 'autofix' || tier === 'memory') continue; // $0 tiers: no model
    const ladder: TierLadder = { tier, steps: [], info: [] };
    tierSteps(opts.config, tier).forEach((s, i) => {
      const spec = specs[s.provider];
      if (!spec)
        throw new ConfigError(opts.configFile, [
          {
            keyPath: `tiers.${tier}.${i}.provider`,
            expected: `a provider defined under "providers" (${Object.keys(specs).join(', ')})`,
            found: `"${s.provider}"`,
          },
        ]);
      const priced = pricedModel(spec, s.model);
      try {
        opts.prices.assertKnown(priced);
      } catch (err) {
        throw new ConfigError(opts.configFile, [
          {
            keyPath: `tiers.${tier}.${i}.model`,
            expected: `a model with a known price (add it under "prices")`,
            found: `"${s.model}": ${(err as Error).message}`,
          },
        ]);
      }
      const reason = unusableReason(spec, opts.env, opts.root);
      ladder.info.push({
        tier,
        provider: s.provider,
        model: s.model,
        usable: !reason,
        ...(reason ? { reason } : {}),
        priced,
      });
      if (reason) return;
      const key = 'apiKeyEnv' in spec && spec.apiKeyEnv ? opts.env[spec.apiKeyEnv] : undefined;
      if (key) assertKeyMayGo(s.provider, spec, key, opts);
      let provider = instances.get(s.provider);
      if (!provider) {
        provider = opts.create(s.provider, spec, key, opts.root, { timeoutMs });
        instances.set(s.provider, provider);
      }
      ladder.steps.push({ tier, provider, model: s.model, priced, timeoutMs });
    });
    ladders.push(ladder);
  }
  return ladders;
}

/**
 * Keys go only where they belong: never a non-LLM credential, and a custom host set by a config
 * inside the repository gets no key unless the user trusts that config (--trust-repo-config).
 */
function assertKeyMayGo(
  name: string,
  spec: ProviderSpec,
  key: string,
  opts: { config: DistiqConfig; configFile: string; root: string; env: NodeJS.ProcessEnv },
): void {
  const keyEnv = 'apiKeyEnv' in spec ? spec.apiKeyEnv : undefined;
  const wrongKey = nonLlmKeyValue(key);
  if (wrongKey)
    throw new ConfigError(opts.configFile, [
      {
        keyPath: `providers.${name}.apiKeyEnv`,
        expected: 'a variable holding an LLM API key',
        found: `${keyEnv}: ${wrongKey}`,
      },
    ]);
  const host = undocumentedHost(spec);
  if (
    !host ||
    !opts.config.providers[name] ||
    !configInRepo(opts.configFile, opts.root) ||
    repoConfigTrusted(opts.env)
  )
    return;
  throw new ConfigError(opts.configFile, [
    {
      keyPath: `providers.${name}.baseURL`,
      expected: `the documented host of a ${spec.type} provider for the key in ${keyEnv} (${DOCUMENTED_HOSTS[spec.type as keyof typeof DOCUMENTED_HOSTS].join(', ')}), or --trust-repo-config (Action input trust-repo-config: true), or the config passed with --config from outside the repository`,
      found: `${host}, set by a config inside the repository`,
    },
  ]);
}

export function pricedModel(spec: ProviderSpec, model: string): PricedModel {
  switch (spec.type) {
    case 'anthropic':
      return { pricingProvider: 'anthropic', model };
    case 'openai':
      return { pricingProvider: 'openai', model };
    case 'openai-compatible':
      return spec.free
        ? { pricingProvider: null, model }
        : { pricingProvider: spec.pricingProvider ?? '', apiUrl: spec.baseURL, model };
    case 'llama':
      return { pricingProvider: null, model, perHourUsd: spec.perHourUsd };
  }
}

function unusableReason(
  spec: ProviderSpec,
  env: NodeJS.ProcessEnv,
  root: string,
): string | undefined {
  if (spec.type === 'llama') {
    const file = path.resolve(root, spec.modelPath);
    return existsSync(file)
      ? undefined
      : `model file ${spec.modelPath} not found (distiq models pull <uri>, or set providers.<name>.modelPath)`;
  }
  if ('apiKeyEnv' in spec && spec.apiKeyEnv && !env[spec.apiKeyEnv])
    return `${spec.apiKeyEnv} is not set`;
  return undefined;
}
