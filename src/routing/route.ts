import type { TaskOutcomeLine } from './outcome-log.js';

/** A model tier the router may start on, with what one attempt there is expected to cost. */
export interface TierOption {
  tier: string;
  attemptUsd: number;
}

export interface TierEstimate {
  tier: string;
  /** P(success | class, tier): Beta posterior mean from the log, floored. */
  pSuccess: number;
  /** Tasks of this class that reached this tier in the log. */
  observations: number;
  attemptUsd: number;
  /** Expected dollars of the ladder when starting on this tier. */
  expectedUsd: number;
}

export interface RouteDecision {
  startTier: string;
  reason: string;
  estimates: TierEstimate[];
}

export interface RouteOptions {
  maxAttempts: number;
  /** Lowest P(success) a tier is given: a tier is never written off completely. */
  floor?: number;
  /** A cheaper tier with fewer observations than this is still tried first (thin data). */
  minTrials?: number;
  /** Every n-th task of a class starts on the cheapest tier anyway, so its estimate stays current. */
  exploreEvery?: number;
}

/** Prior beliefs before any outcome is logged: Beta(α, β) per tier, two pseudo-observations. */
const PRIOR: Record<string, [number, number]> = {
  local: [0.6, 1.4],
  cheap: [1, 1],
  premium: [1.6, 0.4],
};

/**
 * Picks the start tier of a task by expected ladder cost. With p_i = P(success | class, tier i)
 * and c_i the expected spend on tier i (attempt price × expected attempts), starting at s costs
 * E(s) = Σ_{i≥s} c_i · Π_{s≤j<i} (1 − p_j). The start is the argmin, except that a cheaper tier
 * with thin data, or every `exploreEvery`-th task of the class, starts cheapest: the floor that
 * keeps cheap tiers being tried.
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
  const mine = log.filter((t) => t.class === cls);
  const stats = tiers.map((t) => {
    const reached = mine.filter((x) => x.tierPath.includes(t.tier));
    const wins = reached.filter((x) => x.solvedBy === t.tier).length;
    const [a, b] = PRIOR[t.tier] ?? [1, 1];
    const p = Math.max(floor, Math.min(1, (wins + a) / (reached.length + a + b)));
    const attempts = 1 + (1 - p) * (o.maxAttempts - 1);
    return {
      tier: t.tier,
      pSuccess: p,
      observations: reached.length,
      attemptUsd: t.attemptUsd,
      spend: t.attemptUsd * attempts,
    };
  });
  const expected = (s: number) => {
    let total = 0;
    let reach = 1;
    for (let i = s; i < stats.length; i++) {
      total += reach * stats[i]!.spend;
      reach *= 1 - stats[i]!.pSuccess;
    }
    return total;
  };
  const estimates: TierEstimate[] = stats.map((s, i) => ({
    tier: s.tier,
    pSuccess: round(s.pSuccess),
    observations: s.observations,
    attemptUsd: s.attemptUsd,
    expectedUsd: expected(i),
  }));
  if (estimates.length === 0)
    return { startTier: 'none', reason: 'no usable model tier', estimates };
  let best = 0;
  for (let i = 1; i < estimates.length; i++)
    if (estimates[i]!.expectedUsd < estimates[best]!.expectedUsd) best = i;
  const thin = estimates.slice(0, best).findIndex((e) => e.observations < minTrials);
  if (best > 0 && thin >= 0)
    return {
      startTier: estimates[thin]!.tier,
      reason: `${estimates[thin]!.tier} has only ${estimates[thin]!.observations} logged outcome(s) for ${cls} (fewer than ${minTrials}): tried first`,
      estimates,
    };
  if (best > 0 && mine.length % exploreEvery === exploreEvery - 1)
    return {
      startTier: estimates[0]!.tier,
      reason: `exploration: every ${exploreEvery}th ${cls} task starts on ${estimates[0]!.tier} to keep its estimate current`,
      estimates,
    };
  const e = estimates[best]!;
  if (best === 0)
    return {
      startTier: e.tier,
      reason: `cheapest expected ladder cost from ${e.tier} ($${e.expectedUsd.toFixed(4)}, P(success) ${e.pSuccess} over ${e.observations} logged ${cls} task(s))`,
      estimates,
    };
  const skipped = estimates
    .slice(0, best)
    .map((x) => `${x.tier} P=${x.pSuccess} over ${x.observations}`)
    .join(', ');
  return {
    startTier: e.tier,
    reason: `${cls}: starting on ${e.tier} costs $${e.expectedUsd.toFixed(4)} expected vs $${estimates[0]!.expectedUsd.toFixed(4)} from ${estimates[0]!.tier} (${skipped})`,
    estimates,
  };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
