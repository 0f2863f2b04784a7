// Outcome-aware routing: the decision from a log, the guards that keep cheap tiers tried, the
// outcome log's tolerance of torn lines, and a simulated mixed sequence (a scripted ladder with
// per-class success rates) measuring the ladder's dollars with and without routing.
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { failureClass, OutcomeLog, type TaskOutcomeLine } from '../../src/routing/outcome-log.js';
import { chooseStartTier } from '../../src/routing/route.js';
import { tempDir } from '../helpers.js';

const TIERS = [
  { tier: 'cheap', attemptUsd: 0.002 },
  { tier: 'premium', attemptUsd: 0.01 },
];
const line = (cls: string, tierPath: string[], solvedBy: string | null): TaskOutcomeLine => ({
  type: 'task',
  v: 1,
  at: '2026-12-01T00:00:00Z',
  runId: 'r',
  class: cls,
  tierPath,
  solvedBy,
  attempts: tierPath.length,
  usd: 0,
});

describe('routing', () => {
  it('starts cheap with no data (prior), skips cheap once the log shows it rarely works, with the reason', () => {
    const empty = chooseStartTier('tsc:TS2322', TIERS, [], { maxAttempts: 3 });
    expect(empty.startTier).toBe('cheap');
    expect(empty.estimates.map((e) => e.tier)).toEqual(['cheap', 'premium']);
    const bad = Array.from({ length: 20 }, () =>
      line('tsc:TS2322', ['cheap', 'premium'], 'premium'),
    );
    const d = chooseStartTier('tsc:TS2322', TIERS, bad, { maxAttempts: 3 });
    expect(d.startTier).toBe('premium');
    expect(d.reason).toMatch(/starting on premium costs/);
    expect(d.estimates[0]!.pSuccess).toBeGreaterThanOrEqual(0.05); // the floor
    expect(d.estimates[0]!.observations).toBe(20);
    // Another class is not affected.
    expect(chooseStartTier('eslint:no-undef', TIERS, bad, { maxAttempts: 3 }).startTier).toBe(
      'cheap',
    );
  });

  it('keeps cheap tiers tried: thin data and periodic exploration', () => {
    const two = Array.from({ length: 2 }, () => line('c', ['cheap', 'premium'], 'premium'));
    expect(chooseStartTier('c', TIERS, two, { maxAttempts: 3, minTrials: 3 }).reason).toMatch(
      /fewer than 3/,
    );
    const nine = Array.from({ length: 19 }, () => line('c', ['cheap', 'premium'], 'premium'));
    const d = chooseStartTier('c', TIERS, nine, { maxAttempts: 3, exploreEvery: 10 });
    expect(d.startTier).toBe('cheap');
    expect(d.reason).toMatch(/exploration/);
  });

  it('the outcome log skips torn and foreign lines; classes are the most frequent tool:code', () => {
    const log = new OutcomeLog(path.join(tempDir('distiq-outcomes-'), 'outcomes.jsonl'));
    log.append([line('a', ['cheap'], 'cheap')]);
    appendFileSync(log.file, '{"type":"task","v":1,"at":\n{"hello":1}\n');
    log.append([line('b', ['cheap'], null)]);
    expect(log.read().tasks.map((t) => t.class)).toEqual(['a', 'b']);
    expect(
      failureClass([
        { tool: 'tsc', code: 'TS1' },
        { tool: 'tsc', code: 'TS2' },
        { tool: 'tsc', code: 'TS2' },
      ]),
    ).toBe('tsc:TS2');
  });

  it('mixed sequence (cheap right 70% for one class, 10% for the other): routing spends less', () => {
    // A deterministic pseudo-random ladder: each tier visit succeeds with the class's rate;
    // a failed visit costs maxAttempts attempts, a successful one on average half of them.
    let seed = 42;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const rate: Record<string, Record<string, number>> = {
      A: { cheap: 0.7, premium: 0.95 },
      B: { cheap: 0.1, premium: 0.95 },
    };
    const maxAttempts = 3;
    const run = (routed: boolean) => {
      const log: TaskOutcomeLine[] = [];
      let usd = 0;
      for (let i = 0; i < 400; i++) {
        const cls = i % 2 ? 'A' : 'B';
        const start = routed
          ? chooseStartTier(cls, TIERS, log, { maxAttempts }).startTier
          : 'cheap';
        const path: string[] = [];
        let solved: string | null = null;
        for (const t of TIERS.slice(TIERS.findIndex((x) => x.tier === start))) {
          path.push(t.tier);
          if (rand() < rate[cls]![t.tier]!) {
            usd += t.attemptUsd * ((maxAttempts + 1) / 2);
            solved = t.tier;
            break;
          }
          usd += t.attemptUsd * maxAttempts;
        }
        log.push(line(cls, path, solved));
      }
      return usd;
    };
    const plain = run(false);
    const routed = run(true);
    const saving = 1 - routed / plain;
    process.stdout.write(
      `routing: ladder $${plain.toFixed(3)} → $${routed.toFixed(3)} (${(saving * 100).toFixed(1)}% saved)\n`,
    );
    expect(routed).toBeLessThan(plain);
  });
});
