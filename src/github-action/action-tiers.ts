import type { TierName } from '../config/schema.js';
import { buildModelDeps } from '../routing/model-deps.js';
import type { Ctx } from './event-context.js';
import { prepareLocalTier } from './local-tier.js';

/** The tiers the job will use (input, config), as the job itself resolves them. */
export function jobTiers(ctx: Ctx, kind: 'implement' | 'fix' | 'review'): TierName[] {
  if (kind === 'review') return ctx.config.github.review.tiers;
  return kind === 'implement'
    ? (ctx.inputs.tiers ?? ctx.config.implement.tiers)
    : (ctx.inputs.tiers ?? ctx.config.fix.tiers);
}

/**
 * Before the job: when its tiers include `local`, make node-llama-cpp usable (tool cache) or say
 * why not, in the log now, and in the summary and outputs at the end. An unusable local tier is
 * taken out of this run's tiers, so that no paid tier is used in its place unannounced.
 */
export async function prepareTiers(ctx: Ctx, kind: 'implement' | 'fix' | 'review'): Promise<void> {
  const tiers = jobTiers(ctx, kind);
  if (!tiers.includes('local')) return;
  const log = (line: string) => ctx.progressStream.write(`${ctx.redact(line)}\n`);
  const state = await prepareLocalTier({ root: ctx.root, config: ctx.config, env: ctx.env, log });
  ctx.localTier = state;
  if (state.status === 'ready') {
    const where = state.dir ? ` from ${state.dir}${state.installed ? ' (installed now)' : ''}` : '';
    log(
      `distiq: local tier ready${where}${state.gpu !== undefined ? `, GPU: ${state.gpu || 'none (CPU)'}` : ''}`,
    );
    return;
  }
  const rest = tiers.filter((t) => t !== 'local');
  const then = rest.filter((t) => t !== 'autofix').length
    ? `this run continues with ${rest.join(', ')}`
    : 'no other model tier is set';
  log(`::warning title=distiq local tier unusable::${escapeCommand(`${state.reason}; ${then}`)}`);
  if (kind === 'review')
    ctx.config = {
      ...ctx.config,
      github: { ...ctx.config.github, review: { ...ctx.config.github.review, tiers: rest } },
    };
  else ctx.inputs = { ...ctx.inputs, tiers: rest };
}

export const escapeCommand = (s: string) =>
  s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');

/** Why a job that needs a model cannot run here (no key: fork or Dependabot runs), or null. */
export function missingModels(ctx: Ctx, kind: 'implement' | 'fix' | 'review'): string | null {
  const tiers = jobTiers(ctx, kind);
  if (kind === 'fix' && tiers.includes('autofix')) return null; // the $0 tier needs no key
  const deps = buildModelDeps({
    root: ctx.root,
    config: ctx.config,
    configFile: ctx.configFile,
    tiers: tiers.filter((x) => x !== 'autofix'),
    env: ctx.env,
  });
  if (deps.ladders.some((l) => l.steps.length > 0)) return null;
  const why = deps.ladders
    .flatMap((l) => l.info.map((i) => `${i.provider}/${i.model}: ${i.reason}`))
    .slice(0, 3)
    .join('; ');
  const local = ctx.localTier?.status === 'unusable' ? `local tier: ${ctx.localTier.reason}; ` : '';
  return `no model is usable in this run (${local}${why || (local ? 'no other model tier' : 'no model tiers configured')}); runs from forks and Dependabot get no secrets`;
}
