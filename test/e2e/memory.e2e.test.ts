// Fix memory end to end, real CLI, real git, real tsc, a scripted loopback model: run 1 pays the
// cheap tier once and stores the proven repair; run 2 on the same failure in a fresh clone, with
// the memory imported, makes 0 model calls and says it was a memory hit.
import { existsSync, symlinkSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { edits, startLoopbackOpenAI } from '../loopback-openai.js';
import { git, makeRepo, ROOT, runCli, tempDir } from '../helpers.js';
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

describe('fix memory (real CLI, loopback model)', () => {
  it('a proven repair is stored, exported, imported into a fresh clone and replayed there with 0 model calls', async () => {
    const server = await startLoopbackOpenAI(() => ({
      content: edits(LOOP_TYPE_ERROR_REPAIR),
    }));
    close = server.close;
    const a = makeRepo({
      nodeModules: true,
      files: { ...FILES, '.distiqrc.json': config(server.url) },
    });
    const tiers = ['--tiers', 'autofix,memory,cheap'];
    const r1 = await runCli(['fix', '--build', ...tiers, '--json'], { cwd: a });
    const first = JSON.parse(r1.stdout);
    expect(r1.code).toBe(0);
    expect(first.status).toBe('fixed');
    expect(server.requests).toHaveLength(1);
    expect(first.memory).toMatchObject({ learned: 1, hits: [], size: { entries: 1 } });
    expect(first.cost.usd).toBeGreaterThan(0);

    const out = path.join(tempDir('distiq-mem-'), 'memory.json');
    const ex = await runCli(['memory', 'export', out, '--json'], { cwd: a });
    expect(ex.code).toBe(0);
    expect(JSON.parse(ex.stdout).size.entries).toBe(1);

    // A fresh clone of the broken commit: no state of its own until the memory is imported.
    const b = path.join(tempDir('distiq-clone-'), 'b');
    git(path.dirname(b), 'clone', '-q', a, b);
    if (!existsSync(path.join(b, 'node_modules')))
      symlinkSync(path.join(ROOT, 'node_modules'), path.join(b, 'node_modules'), 'dir');
    const im = await runCli(['memory', 'import', out, '--json'], { cwd: b });
    expect(im.code).toBe(0);
    expect(JSON.parse(im.stdout)).toMatchObject({ imported: 1, size: { entries: 1 } });

    const r2 = await runCli(['fix', '--build', ...tiers, '--json'], { cwd: b });
    const second = JSON.parse(r2.stdout);
    expect(r2.code).toBe(0);
    expect(second.status).toBe('fixed');
    expect(server.requests).toHaveLength(1); // no model call in run 2
    expect(readFileSync(path.join(b, 'src/config.ts'), 'utf8')).toContain(
      'export const port: number = 8080;',
    );
    expect(second.cost.usd).toBe(0);
    expect(second.tasks[0]).toMatchObject({ tier: 'memory', status: 'fixed', calls: 0 });
    expect(second.memory.hits).toHaveLength(1);
    expect(second.memory.hits[0]).toMatchObject({ match: 'exact', files: ['src/config.ts'] });
    expect(second.memory.savedUsd).toBeCloseTo(first.cost.usd, 12);
    expect(second.repairs.find((x: { fixer: string }) => x.fixer === 'memory')).toMatchObject({
      tier: 'memory',
      outcome: 'kept',
    });

    const stats = JSON.parse(
      (await runCli(['stats', '--period', 'day', '--json'], { cwd: b })).stdout,
    );
    expect(stats).toMatchObject({ runs: 1, modelCalls: 0, usd: 0, memory: { hits: 1, pct: 100 } });
    expect(stats.byClass['tsc:TS2322']).toEqual({ tasks: 1, solvedBy: { memory: 1 }, unsolved: 0 });

    // Back in repo A, the same failure again without the memory tier: the exact replay cache
    // answers the identical request at $0 (no request reaches the server).
    git(a, 'checkout', '--', 'src/config.ts');
    const r3 = JSON.parse(
      (await runCli(['fix', '--build', '--tiers', 'autofix,cheap', '--json'], { cwd: a })).stdout,
    );
    expect(r3.status).toBe('fixed');
    expect(server.requests).toHaveLength(1);
    expect(r3.memory.cache).toMatchObject({ hits: 1 });
    expect(r3.memory.cache.savedUsd).toBeCloseTo(first.cost.usd, 12);
    expect(r3.cost.usd).toBe(0);
    const statsA = JSON.parse((await runCli(['stats', '--json'], { cwd: a })).stdout);
    expect(statsA).toMatchObject({ runs: 2, modelCalls: 1, cache: { hits: 1, pct: 50 } });
    // distiq plan shows the route and its estimates.
    git(a, 'checkout', '--', 'src/config.ts');
    const plan = JSON.parse(
      (await runCli(['plan', 'fix', '--build', '--json'], { cwd: a })).stdout,
    );
    expect(plan.tasks[0].route.startTier).toBe('cheap');
    expect(plan.tasks[0].route.estimates.map((e: { tier: string }) => e.tier)).toEqual([
      'cheap',
      'premium',
    ]);

    // A corrupt or foreign memory file is refused with a clear error (exit 2), nothing merged.
    const bad = path.join(path.dirname(out), 'bad.json');
    writeFileSync(bad, '{"format":"something-else","entries":[]}');
    const refused = await runCli(['memory', 'import', bad, '--json'], { cwd: b });
    expect(refused.code).toBe(2);
    expect(JSON.parse(refused.stdout).error.message).toMatch(/not a distiq memory file/);
  });
});
