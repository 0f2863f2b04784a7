import { TIER_NAMES } from '../config/tiers.js';
import type { Escalation } from './escalation.js';

/** What a routing strategy decides: the ladder to walk from here, and why, as a record when it
 * skipped or left a tier. */
export interface RouteChoice<L extends { tier: string }> {
  ladder: L[];
  reason: string;
  escalation: Escalation | null;
}

function tierRank(tier: string): number {
  return (TIER_NAMES as readonly string[]).indexOf(tier);
}

/**
 * A task's start: its planned tier, or the first usable tier above it; when none is above, the
 * highest usable one. Leaving the planned tier is an escalation (not for $0-tier tasks).
 */
export function taskStart<L extends { tier: string }>(
  plannedTier: string,
  usable: L[],
): RouteChoice<L> {
  const start = usable.findIndex((l) => tierRank(l.tier) >= tierRank(plannedTier));
  const ladder = start < 0 ? usable.slice(-1) : usable.slice(start);
  const first = ladder[0];
  if (!first) return { ladder, reason: 'no usable model tier', escalation: null };
  if (first.tier === plannedTier || plannedTier === 'autofix')
    return {
      ladder,
      reason: `the planned tier (${first.tier})`,
      escalation: null,
    };
  const reason = 'the planned tier has no usable model';
  return {
    ladder,
    reason,
    escalation: { kind: 'tier', from: plannedTier, to: first.tier, reason },
  };
}

/**
 * The climb after a tier's attempts were used up: the rest of the ladder, or nothing when this was
 * the last tier (then there is no escalation to record).
 */
export function climb<L extends { tier: string }>(
  ladder: L[],
  from: number,
  why: string,
): RouteChoice<L> {
  const rest = ladder.slice(from + 1);
  const next = rest[0];
  if (!next) return { ladder: rest, reason: 'no tier above', escalation: null };
  const current = ladder[from]!.tier;
  return {
    ladder: rest,
    reason: why,
    escalation: { kind: 'tier', from: current, to: next.tier, reason: why },
  };
}

const RISKY =
  /(^|\/)(auth|security|crypto|permissions?|secrets?|migrations?|\.github\/workflows)(\/|\.|$)|password|token/i;

/**
 * Review's start: the cheapest usable reviewer tier, or one tier up for a large diff (changed lines
 * ≥ `largeDiffLines`) or one touching risky paths (auth, secrets, migrations, workflows…).
 */
export function reviewStart<L extends { tier: string }>(
  usable: L[],
  diff: { changedLines: number; largeDiffLines: number; paths: string[] },
): RouteChoice<L> {
  const [first, second] = usable;
  const cheapest = {
    ladder: usable,
    reason: first ? `the cheapest reviewer tier (${first.tier})` : 'no usable model tier',
    escalation: null,
  };
  if (!first || !second) return cheapest;
  const risky = diff.paths.filter((p) => RISKY.test(p));
  const reason =
    diff.changedLines >= diff.largeDiffLines
      ? `a large diff (${diff.changedLines} changed lines ≥ ${diff.largeDiffLines})`
      : risky.length > 0
        ? `risky files (${risky.slice(0, 3).join(', ')})`
        : null;
  if (!reason) return cheapest;
  return {
    ladder: usable.slice(1),
    reason,
    escalation: { kind: 'tier', from: first.tier, to: second.tier, reason },
  };
}
