// Routing strategies (src/routing/strategies.ts): each returns the ladder to walk and why, with a
// typed {kind, from, to, reason} record whenever a tier is skipped or left.
import { describe, expect, it } from 'vitest';
import { describeEscalation } from '../../src/routing/escalation.js';
import { climb, reviewStart, taskStart } from '../../src/routing/strategies.js';

const tiers = (...names: string[]) => names.map((tier) => ({ tier }));

describe('routing strategies', () => {
  it('starts a task on its planned tier, else the first usable one above it, with a record', () => {
    expect(taskStart('cheap', tiers('local', 'cheap', 'premium'))).toEqual({
      ladder: tiers('cheap', 'premium'),
      reason: 'the planned tier (cheap)',
      escalation: null,
    });
    const up = taskStart('cheap', tiers('local', 'premium'));
    expect(up.ladder).toEqual(tiers('premium'));
    expect(up.escalation).toEqual({
      kind: 'tier',
      from: 'cheap',
      to: 'premium',
      reason: 'the planned tier has no usable model',
    });
    expect(describeEscalation(up.escalation!)).toBe(
      'cheap → premium: the planned tier has no usable model',
    );
    // Nothing at or above the planned tier: the highest usable one.
    expect(taskStart('premium', tiers('local', 'cheap')).ladder).toEqual(tiers('cheap'));
    // A $0-tier task moving onto a model tier is not an escalation.
    expect(taskStart('autofix', tiers('cheap')).escalation).toBeNull();
  });

  it('climbs to the next tier with the reason, and records nothing past the last tier', () => {
    const c = climb(tiers('cheap', 'premium'), 0, 'validation still failing after 2 attempt(s)');
    expect(c.ladder).toEqual(tiers('premium'));
    expect(c.escalation).toEqual({
      kind: 'tier',
      from: 'cheap',
      to: 'premium',
      reason: 'validation still failing after 2 attempt(s)',
    });
    expect(climb(tiers('cheap', 'premium'), 1, 'x')).toEqual({
      ladder: [],
      reason: 'no tier above',
      escalation: null,
    });
  });

  it('review starts one tier up for a large or a risky diff, and says which', () => {
    const usable = tiers('cheap', 'premium');
    const small = { changedLines: 10, largeDiffLines: 400, paths: ['src/a.ts'] };
    expect(reviewStart(usable, small).ladder).toEqual(usable);
    expect(reviewStart(usable, small).escalation).toBeNull();
    const large = reviewStart(usable, { ...small, changedLines: 400 });
    expect(large.ladder).toEqual(tiers('premium'));
    expect(describeEscalation(large.escalation!)).toBe(
      'cheap → premium: a large diff (400 changed lines ≥ 400)',
    );
    const risky = reviewStart(usable, { ...small, paths: ['src/a.ts', 'src/auth/login.ts'] });
    expect(risky.escalation).toEqual({
      kind: 'tier',
      from: 'cheap',
      to: 'premium',
      reason: 'risky files (src/auth/login.ts)',
    });
    // One usable tier: nothing to climb to, whatever the diff.
    expect(reviewStart(tiers('cheap'), { ...small, changedLines: 9999 }).escalation).toBeNull();
  });

  it('describes every kind of record as the one-line text reports always showed', () => {
    const base = { from: 'cheap', to: null, reason: 'r' };
    expect(describeEscalation({ ...base, kind: 'fallback', to: 'cheap/b/m' })).toBe(
      'provider fallback: r',
    );
    expect(describeEscalation({ ...base, kind: 'unavailable' })).toBe('cheap unavailable: r');
    expect(describeEscalation({ ...base, kind: 'stop' })).toBe('stopped: r');
    expect(describeEscalation({ ...base, kind: 'note' })).toBe('r');
  });
});
