// Outcome-aware routing end to end, real CLI, real git, real tsc, a scripted loopback model: with
// a log that says cheap fixes this failure class now and then on its first attempt and never on a
// later one, the route plans 1 cheap attempt, the executor spends exactly that before premium, and
// the attempts per tier are logged for the next run.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { edits, startLoopbackOpenAI } from '../loopback-openai.js';
import { git, makeRepo, runCli } from '../helpers.js';
import {
  LOOP_TYPE_ERROR_FILES as FILES,
  loopConfig as config,
  LOOP_TYPE_ERROR_REPAIR,
} from '../loopback-repo.js';

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

describe('routing plans attempts per tier (real CLI, loopback model)', () => {
  it('spends the planned cheap attempt only, then premium, and logs attemptsByTier', async () => {
    // The scripted cheap model answers a harmless edit that does not fix the error; premium fixes it.
    const server = await startLoopbackOpenAI((body) => ({
      content:
        body.model === 'loop-cheap'
          ? edits({
              path: 'src/config.ts',
              search: 'export const host = "localhost";',
              replace: 'export const host = "127.0.0.1";',
            })
          : edits(LOOP_TYPE_ERROR_REPAIR),
    }));
    close = server.close;
    const repo = makeRepo({
      nodeModules: true,
      files: { ...FILES, '.distiqrc.json': config(server.url) },
    });
    const state = path.join(repo, git(repo, 'rev-parse', '--git-common-dir').trim(), 'distiq');
    mkdirSync(state, { recursive: true });
    const line = (attemptsByTier: Record<string, number>, solvedBy: string) => ({
      type: 'task',
      v: 1,
      at: '2026-12-01T00:00:00Z',
      runId: 'earlier',
      class: 'tsc:TS2322',
      tierPath: ['autofix', ...Object.keys(attemptsByTier)],
      solvedBy,
      attempts: Object.values(attemptsByTier).reduce((a, b) => a + b, 0),
      attemptsByTier,
      usd: 0.01,
    });
    // 2 of 20 solved by cheap's first attempt, 18 failed all 3 cheap attempts.
    writeFileSync(
      path.join(state, 'outcomes.jsonl'),
      Array.from({ length: 20 }, (_, i) =>
        JSON.stringify(
          i < 2 ? line({ cheap: 1 }, 'cheap') : line({ cheap: 3, premium: 1 }, 'premium'),
        ),
      ).join('\n') + '\n',
    );

    const plan = JSON.parse(
      (await runCli(['plan', 'fix', '--build', '--json'], { cwd: repo })).stdout,
    );
    expect(plan.tasks[0].route).toMatchObject({
      startTier: 'cheap',
      attempts: { cheap: 1, premium: 3 },
    });

    const r = await runCli(['fix', '--build', '--tiers', 'autofix,cheap,premium', '--json'], {
      cwd: repo,
    });
    const report = JSON.parse(r.stdout);
    expect(r.code).toBe(0);
    expect(report.status).toBe('fixed');
    expect(server.requests.map((q) => q.model)).toEqual(['loop-cheap', 'loop-premium']);
    const task = report.tasks.find((t: { route?: unknown }) => t.route);
    expect(task).toMatchObject({
      tier: 'premium',
      attemptsByTier: { cheap: 1, premium: 1 },
      route: { startTier: 'cheap', attempts: { cheap: 1, premium: 3 } },
    });
    expect(task.escalations.join('\n')).toMatch(
      /cheap → premium: validation still failing after 1 attempt/,
    );

    const logged = readFileSync(path.join(state, 'outcomes.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((l) => l.type === 'task' && l.runId !== 'earlier');
    expect(logged).toEqual([
      expect.objectContaining({ solvedBy: 'premium', attemptsByTier: { cheap: 1, premium: 1 } }),
    ]);
  });
});
