import { attemptOdds, withinAttempts } from './attempt-odds.js';
import type { TaskOutcomeLine } from './outcome-log.js';

/** A model tier the router may use, with what one attempt there is expected to cost. */
export interface TierOption {
  tier: string;
  attemptUsd: number;
}

export interface TierEstimate {
  tier: string;
  /** P(success | class, tier) within maxAttempts attempts there, from the per-attempt odds. */
  pSuccess: number;
  /** P(attempt k succeeds | the earlier ones on this tier failed), k = 1..maxAttempts, floored. */
  pAttempt: number[];
  /** Tasks of this class that reached this tier in the log. */
  observations: number;
  attemptUsd: number;
  /** Expected dollars of the ladder when starting on this tier with maxAttempts on every tier. */
  expectedUsd: number;
}

export interface RouteDecision {
  /** The first tier with planned attempts. */
  startTier: string;
  /** Planned attempts per tier, cheapest first (0: skipped); the executor honours them. */
  attempts: Record<string, number>;
  /** Expected dollars of the planned ladder. */
  expectedUsd: number;
  reason: string;
  estimates: TierEstimate[];
}

export interface RouteOptions {
  maxAttempts: number;
  /** Lowest per-attempt P(success) a tier is given: a tier is never written off completely. */
  floor?: number;
  /** A tier below the top with fewer observations than this gets at least one attempt. */
  minTrials?: number;
  /** Every n-th task of a class spends at least one attempt on the cheapest tier. */
  exploreEvery?: number;
  /** How much P(solved) the plan may give up against the full ladder (skipped attempts). */
  solveSlack?: number;
}

interface Plan {
  attempts: number[];
  usd: number;
  pSolved: number;
}

/**
 * Plans a task's ladder: the start tier and the attempts on each tier. With per-attempt odds per
 * failure class and tier from the outcome log (a Beta prior when it is thin), every combination of
 * attempts on the tiers below the top (the top keeps maxAttempts: failing there fails the task) is
 * priced by expected dollars, E = Σ_t reach_t · price_t · E[attempts used on t], and the cheapest
 * whose P(solved) is within `solveSlack` of the full ladder's wins. Floors keep cheap tiers tried:
 * a tier with fewer than `minTrials` logged outcomes, and the cheapest tier on every
 * `exploreEvery`-th task of the class, get at least one attempt.
 */
export function chooseStartTier(
  cls: string,
  tiers: TierOption[],
  log: TaskOutcomeLine[],
  o: RouteOptions,
): RouteDecision {
  const floor = o.floor ?? 0.05;
  const minTrials = o.minTrials ?? 3;
  const exploreEvery = o.exploreEvery ?? 10;
  const slack = o.solveSlack ?? 0.01;
  const max = o.maxAttempts;
  const mine = log.filter((t) => t.class === cls);
  const odds = tiers.map((t) => attemptOdds(t.tier, mine, max, floor));
  const price = (attempts: number[], from = 0): Plan => {
    let reach = 1;
    let usd = 0;
    for (let i = from; i < tiers.length; i++) {
      const w = withinAttempts(odds[i]!.hazards, attempts[i]!);
      usd += reach * tiers[i]!.attemptUsd * w.attempts;
      reach *= 1 - w.p;
    }
    return { attempts, usd, pSolved: 1 - reach };
  };
  const full = tiers.map(() => max);
  const estimates: TierEstimate[] = tiers.map((t, i) => ({
    tier: t.tier,
    pSuccess: round(withinAttempts(odds[i]!.hazards, max).p),
    pAttempt: odds[i]!.hazards.map(round),
    observations: odds[i]!.observations,
    attemptUsd: t.attemptUsd,
    expectedUsd: price(full, i).usd,
  }));
  if (tiers.length === 0)
    return {
      startTier: 'none',
      attempts: {},
      expectedUsd: 0,
      reason: 'no usable model tier',
      estimates,
    };

  const thin = tiers.map((_, i) => i < tiers.length - 1 && odds[i]!.observations < minTrials);
  const exploring = tiers.length > 1 && mine.length % exploreEvery === exploreEvery - 1;
  const free = best(tiers.length, max, () => 0, price, slack);
  const lower = (i: number) => (thin[i] || (exploring && i === 0) ? 1 : 0);
  const plan = best(tiers.length, max, lower, price, slack);
  const attempts = Object.fromEntries(tiers.map((t, i) => [t.tier, plan.attempts[i]!]));
  const startTier = tiers[plan.attempts.findIndex((a) => a > 0)]!.tier;
  const shape = tiers
    .map((t, i) => (plan.attempts[i]! > 0 ? `${t.tier}×${plan.attempts[i]}` : null))
    .filter(Boolean)
    .join(' → ');
  const forced = plan.attempts.findIndex((a, i) => a > 0 && free.attempts[i] === 0);
  const decision = (reason: string): RouteDecision => ({
    startTier,
    attempts,
    expectedUsd: plan.usd,
    reason,
    estimates,
  });
  if (forced >= 0 && thin[forced])
    return decision(
      `${tiers[forced]!.tier} has only ${odds[forced]!.observations} logged outcome(s) for ${cls} (fewer than ${minTrials}): ${shape}`,
    );
  if (forced >= 0)
    return decision(
      `exploration: every ${exploreEvery}th ${cls} task spends an attempt on ${tiers[0]!.tier} to keep its estimate current: ${shape}`,
    );
  const fullUsd = estimates[0]!.expectedUsd;
  const odd = estimates
    .map((e) => `${e.tier} P1=${e.pAttempt[0]} over ${e.observations}`)
    .join(', ');
  return decision(
    plan.attempts.every((a) => a === max)
      ? `${cls}: the full ladder ${shape} is cheapest ($${plan.usd.toFixed(4)} expected; ${odd})`
      : `${cls}: ${shape} costs $${plan.usd.toFixed(4)} expected vs $${fullUsd.toFixed(4)} for ${max} attempt(s) on every tier (${odd})`,
  );
}

/** The cheapest plan with every tier's attempts ≥ its lower bound and P(solved) within slack. */
function best(
  n: number,
  max: number,
  lower: (i: number) => number,
  price: (attempts: number[]) => Plan,
  slack: number,
): Plan {
  const target = price(new Array<number>(n).fill(max)).pSolved - slack;
  let winner: Plan | null = null;
  const walk = (i: number, acc: number[]) => {
    if (i === n - 1) {
      const p = price([...acc, max]);
      if (
        p.pSolved >= target &&
        (!winner ||
          p.usd < winner.usd - 1e-12 ||
          (Math.abs(p.usd - winner.usd) <= 1e-12 && p.pSolved > winner.pSolved))
      )
        winner = p;
      return;
    }
    for (let a = lower(i); a <= max; a++) walk(i + 1, [...acc, a]);
  };
  walk(0, []);
  return winner ?? price(new Array<number>(n).fill(max));
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
