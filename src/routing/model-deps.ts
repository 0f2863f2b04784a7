import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Budget } from '../budget/budget.js';
import { createGateway } from '../budget/create-gateway.js';
import type { ModelGateway } from '../budget/gateway.js';
import { Ledger, ledgerFile } from '../budget/ledger.js';
import { PriceBook } from '../budget/prices.js';
import type { DistiqConfig, TierName } from '../config/schema.js';
import { UsageError } from '../errors.js';
import { createProvider } from '../providers/create.js';
import { ReplayCache } from '../memory/replay-cache.js';
import { memoryStateDir } from '../memory/state.js';
import { buildLadders, pricedModel, providerSpecs, tierSteps, type TierLadder } from './router.js';

/** What the model tiers need; built by the job from config and environment before anything runs. */
export interface ModelDeps {
  ladders: TierLadder[];
  /** Requested tiers the job's role may not use, with the reason. */
  excluded: { tier: TierName; reason: string }[];
  /** Budget, prices, recorder, limits and the replay cache, behind one call and one cost(). */
  gateway: ModelGateway;
  contextTokens: number;
}

/**
 * Everything model calls need, validated before any spend: ladders (unknown providers and
 * unpriced models are config errors), the price book, and the budget with its shared ledger.
 */
export function buildModelDeps(opts: {
  root: string;
  config: DistiqConfig;
  configFile: string | null;
  tiers: TierName[];
  budgetUsd?: number;
  role?: 'planner' | 'executor' | 'reviewer';
  env?: NodeJS.ProcessEnv;
  onWarn?: (message: string) => void;
  /** Another role of the same job: its gateway (budget, recorder, prices) is shared, never doubled. */
  sharedWith?: ModelDeps;
}): ModelDeps {
  const { config } = opts;
  if (opts.budgetUsd !== undefined && !(opts.budgetUsd > 0 && Number.isFinite(opts.budgetUsd)))
    throw new UsageError(`--budget must be a positive number of USD, got ${opts.budgetUsd}`);
  const prices = opts.sharedWith?.gateway.prices ?? new PriceBook(config.prices);
  // A role bounds the tiers its jobs may use: fix is an executor.
  const allowed = opts.role
    ? opts.tiers.filter((t) => config.roles[opts.role!].includes(t))
    : opts.tiers;
  const excluded = opts.tiers
    .filter((t) => !allowed.includes(t))
    .map((tier) => ({
      tier,
      reason: `not in roles.${opts.role} (${config.roles[opts.role!].join(', ')})`,
    }));
  const ladders = buildLadders({
    config,
    configFile: opts.configFile ?? '(defaults)',
    root: opts.root,
    tiers: allowed,
    env: opts.env ?? process.env,
    prices,
    create: createProvider,
  });
  return {
    ladders,
    excluded,
    gateway: opts.sharedWith?.gateway ?? newGateway(opts.root, config, prices, opts),
    contextTokens: config.models.contextTokens,
  };
}

function newGateway(
  root: string,
  config: DistiqConfig,
  prices: PriceBook,
  opts: { budgetUsd?: number; env?: NodeJS.ProcessEnv; onWarn?: (message: string) => void },
): ModelGateway {
  const perRun = opts.budgetUsd ?? config.budget.perRun;
  const budget = new Budget(
    new Ledger(ledgerFile(root, config.budget.ledger, opts.env)),
    {
      perRun,
      daily: config.budget.daily,
      monthly: config.budget.monthly,
      warnAt: config.budget.warnAt,
    },
    randomUUID(),
    { ttlMs: config.budget.reservationTtlSec * 1000, onWarn: opts.onWarn },
  );
  return createGateway({
    budget,
    prices,
    baseline: baselineModel(config),
    limits: {
      perRun,
      maxOutputTokens: config.models.maxOutputTokens,
      maxRetries: config.models.maxRetries,
    },
    replayCache: new ReplayCache(path.join(memoryStateDir(root), 'replay')),
  });
}

/** The all-premium comparison: the first premium model in the config. */
export function baselineModel(config: DistiqConfig) {
  const first = tierSteps(config, 'premium')[0] ?? {
    provider: 'anthropic',
    model: 'claude-sonnet-4-5',
  };
  const spec = providerSpecs(config)[first.provider];
  const priced = spec
    ? pricedModel(spec, first.model)
    : { pricingProvider: 'anthropic', model: 'claude-sonnet-4-5' };
  return { ...priced, label: `${first.provider}/${first.model}` };
}

/**
 * "No usable model for the requested tiers" is a usage error (exit 2) in every job, never a
 * failed run: CI can tell a missing key from a model that tried and failed. A job that may also
 * use the $0 tier (fix with autofix) runs it and lists the model tiers as skipped instead.
 */
export function assertUsableModel(deps: ModelDeps, job: string): void {
  if (deps.ladders.some((l) => l.steps.length > 0)) return;
  const requested = [...deps.ladders.map((l) => l.tier), ...deps.excluded.map((e) => e.tier)];
  const why = [
    ...deps.ladders.flatMap((l) =>
      l.info.map((i) => `${i.provider}/${i.model}: ${i.reason ?? 'unusable'}`),
    ),
    ...deps.excluded.map((e) => `${e.tier}: ${e.reason}`),
  ];
  throw new UsageError(
    `No usable model for the requested tiers (${requested.join(', ') || 'none'}) of ${job}${why.length ? `: ${why.join('; ')}` : ''}`,
    '`distiq models` shows which models are usable here and why not; set the provider key, or run `distiq fix` with the $0 tier (--tiers autofix).',
  );
}
