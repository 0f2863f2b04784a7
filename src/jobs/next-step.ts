import { readFileSync } from 'node:fs';
import path from 'node:path';
import { countTokens } from 'gpt-tokenizer';
import { PriceBook } from '../budget/prices.js';
import type { DistiqConfig, TierName } from '../config/schema.js';
import { planFixTasks } from '../plan/plan-fix.js';
import { createProvider } from '../providers/create.js';
import type { FixReport, NextStep } from '../report/fix-report.js';
import { buildLadders, MODEL_TIERS, tierSteps } from '../routing/router.js';

/** Rules, edit format and repo map that precede every task's own part (a rough share). */
const PREFIX_TOKENS = 1500;

/**
 * The closing hint of a run that left failures: the first model tier it did not use (and the
 * executor role allows), its first usable model (or why none is), and an estimate of one attempt
 * per remaining task. Nothing is sent; the estimate is marked as such wherever it is shown.
 */
export function nextStep(
  report: FixReport,
  opts: { root: string; config: DistiqConfig; configFile: string | null; tiers: TierName[] },
): NextStep | null {
  if (
    report.remaining.length === 0 ||
    report.interrupted ||
    !['failed', 'partial'].includes(report.status)
  )
    return null;
  const { config } = opts;
  const tier = MODEL_TIERS.find(
    (t) =>
      !opts.tiers.includes(t) &&
      config.roles.executor.includes(t) &&
      tierSteps(config, t).length > 0,
  );
  if (!tier) return null;
  const prices = new PriceBook(config.prices);
  let ladder;
  try {
    [ladder] = buildLadders({
      config,
      configFile: opts.configFile ?? '(defaults)',
      root: opts.root,
      tiers: [tier],
      env: process.env,
      prices,
      create: createProvider,
    });
  } catch {
    return null; // a config problem with that tier: the run that uses it will report it
  }
  const step = ladder?.info.find((i) => i.usable) ?? ladder?.info[0];
  if (!step) return null;
  let estimateUsd: number | null = 0;
  for (const task of planFixTasks(report.remaining)) {
    const own = task.failures.map((f) => f.message).join('\n');
    const files = task.files.reduce((n, f) => n + fileTokens(opts.root, f), 0);
    const inputTokens =
      PREFIX_TOKENS + countTokens(own) + Math.min(files, config.models.contextTokens);
    const outputTokens = Math.min(config.models.maxOutputTokens, 200 + 150 * task.failures.length);
    try {
      estimateUsd += prices.cost(step.priced, {
        inputTokens,
        outputTokens,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
        cacheWrite1hTokens: 0,
      });
    } catch {
      estimateUsd = null; // unpriced here: the hint names the tier without a price
      break;
    }
  }
  return {
    tiers: [...opts.tiers, tier].join(','),
    failures: report.remaining.length,
    model: `${step.provider}/${step.model}`,
    estimateUsd,
    usable: step.usable,
    reason: step.usable ? null : (step.reason ?? 'not usable here'),
  };
}

function fileTokens(root: string, file: string): number {
  try {
    return countTokens(readFileSync(path.join(root, file), 'utf8').slice(0, 200_000));
  } catch {
    return 0;
  }
}
