// Outcome-aware routing: the decision from a log, the guards that keep cheap tiers tried, the
// outcome log's tolerance of torn lines, and a simulated mixed sequence (a scripted ladder with
// per-class success rates) measuring the ladder's dollars with and without routing.
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { failureClass, OutcomeLog, type TaskOutcomeLine } from '../../src/routing/outcome-log.js';
import { PriceBook } from '../../src/budget/prices.js';
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

/** A line with the attempts spent per tier (the path is the tiers attempted, cheapest first). */
const lineWith = (
  cls: string,
  attemptsByTier: Record<string, number>,
  solvedBy: string | null,
  tierPath = Object.keys(attemptsByTier),
): TaskOutcomeLine => ({
  ...line(cls, tierPath, solvedBy),
  attempts: Object.values(attemptsByTier).reduce((a, b) => a + b, 0),
  attemptsByTier,
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
    expect(d.reason).toMatch(/premium×3 costs/);
    expect(d.attempts).toEqual({ cheap: 0, premium: 3 });
    expect(d.estimates[0]!.pSuccess).toBeGreaterThanOrEqual(0.05); // the floor
    expect(d.estimates[0]!.observations).toBe(20);
    // Another class is not affected.
    expect(chooseStartTier('eslint:no-undef', TIERS, bad, { maxAttempts: 3 }).startTier).toBe(
      'cheap',
    );
  });

  it('keeps cheap tiers tried: thin data and periodic exploration', () => {
    // 20 logged failures would skip cheap, but fewer than 25 is thin: one cheap attempt stays.
    const twenty = Array.from({ length: 20 }, () => line('c', ['cheap', 'premium'], 'premium'));
    const thin = chooseStartTier('c', TIERS, twenty, { maxAttempts: 3, minTrials: 25 });
    expect(thin.reason).toMatch(/fewer than 25/);
    expect(thin.attempts).toEqual({ cheap: 1, premium: 3 });
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

  it('plans attempts per tier: 1 cheap attempt or none where cheap is rarely right, all of them where it often is', () => {
    // Logged outcomes of a per-attempt success rate r: solved at attempt k with r(1−r)^(k−1).
    const logOf = (cls: string, r: number) =>
      Array.from({ length: 100 }, (_, i) => {
        const u = (i + 0.5) / 100;
        const k = [1, 2, 3].find((n) => u < 1 - (1 - r) ** n);
        return k
          ? lineWith(cls, { cheap: k }, 'cheap')
          : lineWith(cls, { cheap: 3, premium: 1 }, 'premium');
      });
    const A = logOf('A', 0.7);
    const B = logOf('B', 0.1);
    const a = chooseStartTier('A', TIERS, A, { maxAttempts: 3 });
    expect(a.attempts.cheap).toBeGreaterThanOrEqual(2);
    expect(a.attempts.premium).toBe(3);
    expect(a.estimates[0]!.pAttempt[0]).toBeGreaterThan(0.6);
    const b = chooseStartTier('B', TIERS, B, { maxAttempts: 3 });
    expect(b.attempts.cheap).toBeLessThanOrEqual(1);
    expect(b.attempts.premium).toBe(3);
    expect(b.expectedUsd).toBeLessThan(b.estimates[0]!.expectedUsd);
    // Exploration keeps one cheap attempt even where the plan would skip cheap.
    const skip = chooseStartTier('B', TIERS, B.slice(-29), { maxAttempts: 3, exploreEvery: 30 });
    expect(skip.attempts.cheap).toBe(1);
    expect(skip.reason).toMatch(/exploration/);
  });

  it('mixed sequence at list prices (cheap right 70% of attempts for one class, 10% for the other): routing spends less', () => {
    const prices = new PriceBook({});
    // A typical repair call: 6,000 tokens of context in, 600 tokens of edits out.
    const attempt = (provider: string, model: string) =>
      prices.cost(
        { pricingProvider: provider, model },
        {
          inputTokens: 6000,
          outputTokens: 600,
          cacheReadTokens: 0,
          cacheWriteTokens: 0,
          cacheWrite1hTokens: 0,
        },
      );
    const ladders: [string, [string, string], [string, string]][] = [
      [
        'claude-haiku-4-5 → claude-sonnet-4-5 (default)',
        ['anthropic', 'claude-haiku-4-5'],
        ['anthropic', 'claude-sonnet-4-5'],
      ],
      ['gpt-4o-mini → gpt-4o', ['openai', 'gpt-4o-mini'], ['openai', 'gpt-4o']],
      [
        'claude-haiku-4-5 → claude-opus-4-1',
        ['anthropic', 'claude-haiku-4-5'],
        ['anthropic', 'claude-opus-4-1'],
      ],
      // Tiers close in price (1.7×): the ladder a team runs when its cheap tier is a strong model.
      [
        'claude-sonnet-4-5 → claude-opus-4-5',
        ['anthropic', 'claude-sonnet-4-5'],
        ['anthropic', 'claude-opus-4-5'],
      ],
    ];
    const maxAttempts = 3;
    // "Right 70% of the time" read two ways: of the attempts, or of the tasks within the tier's
    // 3 attempts (per-attempt rate h with 1 − (1 − h)³ = 0.7); premium likewise 95%.
    const perTask = (p: number) => 1 - (1 - p) ** (1 / maxAttempts);
    const readings: [string, Record<string, Record<string, number>>][] = [
      ['per attempt', { A: { cheap: 0.7, premium: 0.95 }, B: { cheap: 0.1, premium: 0.95 } }],
      [
        'per task',
        {
          A: { cheap: perTask(0.7), premium: perTask(0.95) },
          B: { cheap: perTask(0.1), premium: perTask(0.95) },
        },
      ],
    ];
    for (const [reading, rate] of readings)
      for (const [name, cheap, premium] of ladders) {
        const tiers = [
          { tier: 'cheap', attemptUsd: attempt(...cheap) },
          { tier: 'premium', attemptUsd: attempt(...premium) },
        ];
        // A deterministic scripted ladder: each attempt is right with its class's rate.
        const run = (plan: (cls: string, log: TaskOutcomeLine[]) => Record<string, number>) => {
          let seed = 42;
          const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
          const log: TaskOutcomeLine[] = [];
          let usd = 0;
          let solvedTasks = 0;
          for (let i = 0; i < 400; i++) {
            const cls = i % 2 ? 'A' : 'B';
            const attempts = plan(cls, log);
            const path: string[] = [];
            const byTier: Record<string, number> = {};
            let solved: string | null = null;
            for (const [k, t] of tiers.entries()) {
              const n = k === tiers.length - 1 ? Math.max(1, attempts[t.tier]!) : attempts[t.tier]!;
              if (n === 0) continue;
              path.push(t.tier);
              for (let a = 1; a <= n && !solved; a++) {
                byTier[t.tier] = a;
                usd += t.attemptUsd;
                if (rand() < rate[cls]![t.tier]!) solved = t.tier;
              }
              if (solved) break;
            }
            if (solved) solvedTasks++;
            log.push(lineWith(cls, byTier, solved, path));
          }
          return { usd, solvedTasks };
        };
        const plain = run(() => ({ cheap: maxAttempts, premium: maxAttempts }));
        const routed = run(
          (cls, log) => chooseStartTier(cls, tiers, log, { maxAttempts }).attempts,
        );
        // The ceiling: the best fixed plan per class in hindsight (cheap attempts 0..3 per class).
        let oracle = plain;
        let oraclePlans: Record<string, Record<string, number>> = {};
        for (let a = 0; a <= maxAttempts; a++)
          for (let b = 0; b <= maxAttempts; b++) {
            const plans: Record<string, Record<string, number>> = {
              A: { cheap: a, premium: maxAttempts },
              B: { cheap: b, premium: maxAttempts },
            };
            const r = run((cls) => plans[cls]!);
            if (r.usd < oracle.usd && r.solvedTasks >= plain.solvedTasks - 4) {
              oracle = r;
              oraclePlans = plans;
            }
          }
        const cut = (x: number) => `${((1 - x / plain.usd) * 100).toFixed(1)}%`;
        process.stdout.write(
          `routing, right ${reading}, ${name} (attempt $${tiers[0]!.attemptUsd.toFixed(4)} / $${tiers[1]!.attemptUsd.toFixed(4)}, ${(tiers[1]!.attemptUsd / tiers[0]!.attemptUsd).toFixed(1)}×): ` +
            `ladder $${plain.usd.toFixed(3)} → routed $${routed.usd.toFixed(3)} (${cut(routed.usd)} cut), ` +
            `oracle plan $${oracle.usd.toFixed(3)} (${cut(oracle.usd)}; cheap A×${oraclePlans.A?.cheap ?? 3}, B×${oraclePlans.B?.cheap ?? 3}), ` +
            `solved ${plain.solvedTasks}/${routed.solvedTasks}/${oracle.solvedTasks} of 400\n`,
        );
        expect(routed.usd).toBeLessThanOrEqual(plain.usd * 1.02);
        // The target (≥ 30% cut) where the price ratio leaves that much to save (< 2.8×).
        if (reading === 'per attempt' && tiers[1]!.attemptUsd / tiers[0]!.attemptUsd < 2.8)
          expect(routed.usd).toBeLessThanOrEqual(plain.usd * 0.7);
        expect(routed.solvedTasks).toBeGreaterThanOrEqual(plain.solvedTasks - 4);
      }
  });
});
