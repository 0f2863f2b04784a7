import type { TaskOutcomeLine } from './outcome-log.js';

// Per-attempt odds of a tier for one failure class, from the outcome log: h_k = P(attempt k
// succeeds | attempts 1..k−1 on this tier failed). The planner turns them into attempts per tier.

/** Prior beliefs before any outcome is logged: Beta(α, β) per tier, two pseudo-observations. */
const PRIOR: Record<string, [number, number]> = {
  local: [0.6, 1.4],
  cheap: [1, 1],
  premium: [1.6, 0.4],
};
/** Weight (pseudo-observations) of attempt 1's estimate as the prior of later attempts. */
const LATER_PRIOR_WEIGHT = 2;

export interface AttemptOdds {
  tier: string;
  /** h_k for k = 1..maxAttempts, each floored. */
  hazards: number[];
  /** Tasks of the class that reached this tier in the log. */
  observations: number;
}

/**
 * Counts, per attempt number, how many logged tasks of the class made that attempt on the tier
 * and how many succeeded there. A line with `attemptsByTier` says exactly; an older line without
 * it only says whether the tier's visit succeeded, and counts as its first attempt.
 */
export function attemptOdds(
  tier: string,
  lines: TaskOutcomeLine[],
  maxAttempts: number,
  floor: number,
): AttemptOdds {
  const tried = new Array<number>(maxAttempts).fill(0);
  const won = new Array<number>(maxAttempts).fill(0);
  let observations = 0;
  for (const l of lines) {
    if (!l.tierPath.includes(tier)) continue;
    observations++;
    const solved = l.solvedBy === tier;
    const n = l.attemptsByTier ? (l.attemptsByTier[tier] ?? 0) : 1;
    for (let k = 0; k < Math.min(n, maxAttempts); k++) {
      tried[k]!++;
      if (solved && k === n - 1) won[k]!++;
    }
  }
  const [a, b] = PRIOR[tier] ?? [1, 1];
  const clamp = (p: number) => Math.max(floor, Math.min(1, p));
  const first = (won[0]! + a) / (tried[0]! + a + b);
  const hazards = tried.map((t, k) =>
    k === 0
      ? clamp(first)
      : clamp((won[k]! + LATER_PRIOR_WEIGHT * first) / (t + LATER_PRIOR_WEIGHT)),
  );
  return { tier, hazards, observations };
}

/** P(the tier succeeds within `n` attempts) and the expected number of attempts it uses. */
export function withinAttempts(hazards: number[], n: number): { p: number; attempts: number } {
  let survive = 1;
  let attempts = 0;
  for (let k = 0; k < n; k++) {
    attempts += survive;
    survive *= 1 - (hazards[k] ?? hazards.at(-1) ?? 0);
  }
  return { p: 1 - survive, attempts };
}
