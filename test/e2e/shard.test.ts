// Sharding in-process: plan → run each shard in its own clone (as separate runners would) → merge,
// against the loopback model, with real git, real tsc. Compared with the same job on one machine.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runPlan } from '../../src/jobs/plan.js';
import { runMergeJob, runShardJob } from '../../src/jobs/shard.js';
import { edits, startLoopbackOpenAI } from '../loopback-openai.js';
import { git, makeRepo, ROOT, runCli, tempDir } from '../helpers.js';

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

const BROKEN = ['a', 'b', 'c', 'd'];
const files = (extra: Record<string, string> = {}) => ({
  'package.json': JSON.stringify({ type: 'module', scripts: { build: 'tsc -p tsconfig.json' } }),
  'tsconfig.json': JSON.stringify({
    compilerOptions: {
      strict: true,
      noEmit: true,
      target: 'ES2022',
      module: 'NodeNext',
      types: [],
    },
    include: ['src'],
  }),
  ...Object.fromEntries(BROKEN.map((n) => [`src/${n}.ts`, `export const ${n}: number = "1";\n`])),
  ...extra,
});
const fixFor = (n: string) => ({
  path: `src/${n}.ts`,
  search: `export const ${n}: number = "1";`,
  replace: `export const ${n}: number = 1;`,
});
const which = (content: string) => BROKEN.find((n) => content.includes(`src/${n}.ts:1`))!;

async function model(
  answer: (n: string, attempt: number) => string,
  prices = { input: 1, output: 4 },
) {
  const attempts = new Map<string, number>();
  const server = await startLoopbackOpenAI((body) => {
    const n = which(body.messages.at(-1)!.content);
    attempts.set(n, (attempts.get(n) ?? 0) + 1);
    return { content: answer(n, attempts.get(n)!) };
  });
  close = server.close;
  const config = (extra = {}) =>
    JSON.stringify({
      providers: { loop: { type: 'openai-compatible', baseURL: server.url } },
      tiers: { cheap: [{ provider: 'loop', model: 'loop-cheap' }] },
      prices: { 'loop-cheap': prices },
      fix: { tiers: ['cheap'], maxAttempts: 2 },
      ...extra,
    });
  return { server, config };
}

/** A runner's checkout: a clone of the repo at the plan's commit, with its dependencies. */
function checkout(origin: string): string {
  const dir = tempDir('distiq-runner-');
  execFileSync('git', ['clone', '-q', origin, dir]);
  // makeRepo's symlink is committed (.gitignore's `node_modules/` matches directories only).
  if (!existsSync(path.join(dir, 'node_modules')))
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return dir;
}

async function sharded(origin: string, shards: number, budgetUsd?: number) {
  const work = tempDir('distiq-shards-');
  const planFile = path.join(work, 'plan.json');
  const planned = await runPlan({
    cwd: origin,
    job: 'fix',
    targets: ['build'],
    budgetUsd,
    matrix: { out: planFile, shards },
  });
  const runs = [];
  for (const s of JSON.parse(planned.matrix!).include as { shard: number }[])
    runs.push(
      await runShardJob({
        cwd: checkout(origin),
        planFile,
        shard: s.shard,
        outDir: path.join(work, 'out'),
        json: true,
      }),
    );
  const target = checkout(origin);
  const merged = await runMergeJob({
    cwd: target,
    planFile,
    fromDir: path.join(work, 'out'),
    pr: false,
  }).catch((e: Error) => e);
  return { planned, runs, merged, target };
}

describe('distiq plan --matrix → run --shard → merge', () => {
  it('a job over 2 shards ends with the same diff and the same cost accounting as on one machine', async () => {
    const m = await model((n) => edits(fixFor(n)));
    const single = makeRepo({ nodeModules: true, files: files({ '.distiqrc.json': m.config() }) });
    const one = JSON.parse((await runCli(['fix', '--build', '--json'], { cwd: single })).stdout);
    expect(one.status).toBe('fixed');
    const origin = makeRepo({ nodeModules: true, files: files({ '.distiqrc.json': m.config() }) });
    const { planned, runs, merged, target } = await sharded(origin, 2);
    // The matrix: 4 independent tasks, 2 shards of 2, no file in two shards.
    expect(JSON.parse(planned.matrix!)).toEqual({
      include: [
        { shard: 0, tasks: 't1,t3', tier: 'cheap' },
        { shard: 1, tasks: 't2,t4', tier: 'cheap' },
      ],
    });
    expect(runs.map((r) => r.status)).toEqual(['done', 'done']);
    if (merged instanceof Error) throw merged;
    expect(merged.status).toBe('fixed');
    expect(git(target, 'diff')).toBe(git(single, 'diff'));
    // Same prompts (the whole plan's prefix on every shard), so the same tokens and dollars.
    expect(merged.cost.usd).toBeCloseTo(one.cost.usd, 12);
    expect(
      merged.cost.byModel.map((x: { calls: number; inputTokens: number; outputTokens: number }) => [
        x.calls,
        x.inputTokens,
        x.outputTokens,
      ]),
    ).toEqual(
      one.cost.byModel.map((x: { calls: number; inputTokens: number; outputTokens: number }) => [
        x.calls,
        x.inputTokens,
        x.outputTokens,
      ]),
    );
    expect(merged.shards.map((s) => s.usd).reduce((a, b) => a + b, 0)).toBeCloseTo(
      merged.cost.usd,
      12,
    );
  });

  it('a failing shard exhausts its budget slice; the others are merged, unspent slices reported', async () => {
    // d's task is answered wrong (a new type error) every time; each call costs ~$0.12 at these prices.
    const m = await model(
      (n) =>
        n === 'd'
          ? edits({
              path: 'src/d.ts',
              search: 'export const d: number = "1";',
              replace: 'export const d: number = "1" + 1;\nexport const e: string = 2;',
            })
          : edits(fixFor(n)),
      { input: 100, output: 400 },
    );
    const origin = makeRepo({
      nodeModules: true,
      files: files({
        '.distiqrc.json': m.config({
          models: { maxOutputTokens: 200, maxRetries: 0, contextTokens: 2000 },
        }),
      }),
    });
    // Slices of $0.25: one call's worst case (~$0.24: input counted × 1.5 + 512, output 200) fits;
    // after the first wrong answer the second does not.
    const { runs, merged, target } = await sharded(origin, 4, 1.0);
    const bad = runs.find((r) => r.tasks[0]!.title.startsWith('src/d.ts'))!;
    expect(bad.status).toBe('over-budget');
    expect(bad.budget.spentUsd).toBeLessThanOrEqual(bad.budget.sliceUsd);
    expect(bad.tasks[0]!.escalations.join('\n')).toMatch(/stopped: .*budget/i);
    if (merged instanceof Error) throw merged;
    expect(merged.status).toBe('over-budget');
    expect(merged.shards.filter((s) => s.status === 'done')).toHaveLength(3);
    for (const s of merged.shards) expect(s.unspentUsd).toBeCloseTo(s.sliceUsd - s.usd, 9);
    expect(merged.cost.usd).toBeLessThanOrEqual(1.0);
    expect(merged.remaining.map((f) => f.file)).toEqual(['src/d.ts']);
    for (const n of ['a', 'b', 'c'])
      expect(readFileSync(path.join(target, `src/${n}.ts`), 'utf8')).toBe(
        `export const ${n}: number = 1;\n`,
      );
  });

  it('two shards whose models also edit one shared file outside their tasks: the edits are refused (scope), so no conflict', async () => {
    // Since the edit allowlist (issue #13), a task may write only its own files: the shared file is
    // refused in both shards and fed back, so shards cannot collide on it. (Merge still refuses
    // overlapping patches: ShardConflictError.)
    const m = await model((n) =>
      edits(fixFor(n), {
        path: 'src/shared.ts',
        search: 'export const shared = 0;',
        replace: `export const shared = 0; // touched for ${n}`,
      }),
    );
    const origin = makeRepo({
      nodeModules: true,
      files: files({ 'src/shared.ts': 'export const shared = 0;\n', '.distiqrc.json': m.config() }),
    });
    const { merged, target } = await sharded(origin, 2);
    expect(merged).not.toBeInstanceOf(Error);
    expect(readFileSync(path.join(target, 'src/shared.ts'), 'utf8')).toBe(
      'export const shared = 0;\n',
    );
    expect(JSON.stringify(m.server.requests)).toContain('(scope)');
  });

  it('a shard refuses a checkout that is not the plan’s commit', async () => {
    const m = await model((n) => edits(fixFor(n)));
    const origin = makeRepo({ nodeModules: true, files: files({ '.distiqrc.json': m.config() }) });
    const work = tempDir();
    await runPlan({
      cwd: origin,
      job: 'fix',
      targets: ['build'],
      matrix: { out: path.join(work, 'plan.json'), shards: 2 },
    });
    const runner = checkout(origin);
    git(runner, 'commit', '-q', '--allow-empty', '-m', 'moved on');
    await expect(
      runShardJob({
        cwd: runner,
        planFile: path.join(work, 'plan.json'),
        shard: 0,
        outDir: path.join(work, 'out'),
        json: true,
      }),
    ).rejects.toThrow(
      /Shard 0 must start from the plan's commit [0-9a-f]{12}, but HEAD is [0-9a-f]{12}/,
    );
  });
});
