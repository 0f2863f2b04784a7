import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type ChatBody, edits, startLoopbackOpenAI } from '../loopback-openai.js';
import { makeRepo, runCli, statusPorcelain } from '../helpers.js';

// A small TypeScript project whose build (tsc) and tests (vitest) pass: the baseline of an implement job.
const FILES = {
  'package.json': JSON.stringify({
    type: 'module',
    scripts: { build: 'tsc -p tsconfig.json', test: 'vitest run' },
  }),
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
  'src/math.ts': 'export function add(a: number, b: number): number {\n  return a + b;\n}\n',
  'test/math.test.ts':
    "import { expect, it } from 'vitest';\nimport { add } from '../src/math.js';\nit('adds', () => expect(add(2, 3)).toBe(5));\n",
  'TASK.md':
    '# Math helpers\n\n- [ ] Add `subtract(a, b)` to src/math.ts\n- [ ] Add `clamp(value, min, max)` in a new file src/clamp.ts\n- [x] Set up the project\n\n```md\n- [ ] not an item: an example in a code fence\n```\n',
};

const SUBTRACT = 'export function subtract(a: number, b: number): number {\n  return a - b;\n}\n';
const CLAMP =
  'export function clamp(value: number, min: number, max: number): number {\n  return Math.min(max, Math.max(min, value));\n}\n';

const config = (url: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    providers: { loop: { type: 'openai-compatible', baseURL: url } },
    tiers: {
      cheap: [{ provider: 'loop', model: 'loop-cheap' }],
      premium: [{ provider: 'loop', model: 'loop-premium' }],
    },
    prices: { 'loop-cheap': { input: 1, output: 4 }, 'loop-premium': { input: 10, output: 40 } },
    implement: { tiers: ['cheap', 'premium'] },
    ...extra,
  });

interface PlanFile {
  path: string;
  action: 'create' | 'modify' | 'delete';
  changes: { old: string; new: string; reason: string }[];
}
const task = (
  id: string,
  items: number[],
  files: PlanFile[],
  extra: Record<string, unknown> = {},
) => ({
  id,
  title: `task ${id}`,
  goal: `do ${id}`,
  items,
  dependsOn: [],
  tier: 'cheap',
  acceptance: 'build and tests pass',
  files,
  ...extra,
});
const plan = (...tasks: unknown[]) => JSON.stringify({ tasks });
const isPlanner = (b: ChatBody) =>
  (b.response_format as { json_schema?: { name?: string } } | undefined)?.json_schema?.name ===
  'plan';

const GOOD_PLAN = plan(
  task(
    't1',
    [1],
    [
      {
        path: 'src/math.ts',
        action: 'modify',
        changes: [
          {
            old: '  return a + b;\n}\n',
            new: `  return a + b;\n}\n\n${SUBTRACT}`,
            reason: 'add subtract',
          },
        ],
      },
    ],
  ),
  task(
    't2',
    [2],
    [
      {
        path: 'src/clamp.ts',
        action: 'create',
        changes: [{ old: '', new: CLAMP, reason: 'new helper' }],
      },
    ],
  ),
);

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function setup(
  script: Parameters<typeof startLoopbackOpenAI>[0],
  extra: Record<string, unknown> = {},
) {
  const server = await startLoopbackOpenAI(script);
  close = server.close;
  const dir = makeRepo({
    nodeModules: true,
    files: { ...FILES, '.distiqrc.json': config(server.url, extra) },
  });
  return { server, dir };
}

describe('distiq implement (real CLI, real tsc and vitest, scripted loopback model)', () => {
  it('a right plan is applied as written: no executor call, both items done and proven', async () => {
    const { server, dir } = await setup(() => ({ content: GOOD_PLAN }));
    const r = await runCli(['implement', '--file', 'TASK.md', '--json'], { cwd: dir });
    const report = JSON.parse(r.stdout);
    expect(r.code).toBe(0);
    expect(report).toMatchObject({
      job: 'implement',
      status: 'implemented',
      failuresBefore: 0,
      failuresAfter: 0,
      regressions: [],
      plan: { attempts: 1, tasks: 2 },
    });
    expect(report.items.map((i: { text: string; status: string }) => [i.text, i.status])).toEqual([
      ['Add `subtract(a, b)` to src/math.ts', 'done'],
      ['Add `clamp(value, min, max)` in a new file src/clamp.ts', 'done'],
    ]);
    expect(report.tasks.map((t: { tierPath: string[] }) => t.tierPath)).toEqual([
      ['plan'],
      ['plan'],
    ]);
    expect(readFileSync(path.join(dir, 'src/math.ts'), 'utf8')).toContain(SUBTRACT);
    expect(readFileSync(path.join(dir, 'src/clamp.ts'), 'utf8')).toBe(CLAMP);
    expect(report.changedFiles).toEqual(['src/clamp.ts', 'src/math.ts']);
    // Only the planner was asked; its checklist is fenced as data, the code-fence example is not an item.
    expect(server.requests).toHaveLength(1);
    const user = server.requests[0]!.messages.at(-1)!.content;
    expect(user).toContain('<issue>\n1. Add `subtract(a, b)` to src/math.ts\n2. Add `clamp');
    expect(user).not.toContain('not an item');
    expect(report.cost.byModel).toEqual([
      expect.objectContaining({ tier: 'cheap', model: 'loop-cheap', calls: 1 }),
    ]);
    // The run file holds the same report.
    expect(
      JSON.parse(readFileSync(path.join(dir, '.git/distiq/runs', `${report.runId}.json`), 'utf8')),
    ).toEqual(report);
  });

  it('a stale plan falls to the executor; a wrong cheap edit is rolled back and premium gets it right', async () => {
    const stale = plan(
      task(
        't1',
        [1, 2],
        [
          {
            path: 'src/math.ts',
            action: 'modify',
            changes: [{ old: 'export function add(x: number)', new: 'x', reason: 'stale' }],
          },
          {
            path: 'src/clamp.ts',
            action: 'create',
            changes: [{ old: '', new: CLAMP, reason: 'new' }],
          },
        ],
      ),
    );
    const { server, dir } = await setup((b) => {
      if (isPlanner(b)) return { content: stale };
      if (b.model === 'loop-cheap')
        return {
          content: edits({
            path: 'src/math.ts',
            search: '  return a + b;',
            replace: '  return a + b + "";',
          }),
        }; // breaks the build
      return {
        content: edits(
          {
            path: 'src/math.ts',
            search: '  return a + b;\n}',
            replace: `  return a + b;\n}\n\n${SUBTRACT.trimEnd()}`,
          },
          { path: 'src/clamp.ts', search: '', replace: CLAMP },
        ),
      };
    });
    const r = await runCli(['implement', '--file', 'TASK.md', '--max-attempts', '1', '--json'], {
      cwd: dir,
    });
    const report = JSON.parse(r.stdout);
    expect(r.code).toBe(0);
    expect(report.status).toBe('implemented');
    const t = report.tasks[0];
    expect(t.tierPath).toEqual(['plan', 'cheap', 'premium']);
    expect(t.escalations.join('\n')).toMatch(
      /cheap → premium: validation still failing after 1 attempt\(s\) \(\d new failure\(s\), e\.g\. Type 'string' is not assignable to type 'number'/,
    );
    expect(
      report.repairs.map((x: { tier: string; outcome: string }) => `${x.tier}:${x.outcome}`),
    ).toEqual(['plan:rejected', 'cheap:rejected', 'premium:kept']);
    expect(report.repairs[0].reason).toMatch(/"search" was not found/);
    // The premium prompt carried the feedback of both rejections.
    const last = server.requests.at(-1)!.messages.at(-1)!.content;
    expect(last).toContain("the plan's changes applied as written were rejected");
    expect(last).toMatch(/new failure\(s\), e\.g\. .*TS2322|Type 'string' is not assignable/);
    expect(readFileSync(path.join(dir, 'src/math.ts'), 'utf8')).toBe(
      `${FILES['src/math.ts']}\n${SUBTRACT}`,
    );
    // Per-task cost + planner cost = the job's cost; every figure priced from the config.
    const planner = report.cost.byModel.find((m: { tier: string }) => m.tier === 'cheap');
    expect(planner.calls).toBe(2); // planner + one cheap executor call
    expect(t.calls).toBe(2);
    expect(
      t.usd +
        (report.cost.usd - report.tasks.reduce((a: number, x: { usd: number }) => a + x.usd, 0)),
    ).toBeCloseTo(report.cost.usd, 12);
    const prem = report.cost.byModel.find((m: { tier: string }) => m.tier === 'premium');
    expect(prem.usd).toBeCloseTo((prem.inputTokens * 10 + prem.outputTokens * 40) / 1e6, 12);
  });

  it('a malformed plan is retried with the problems, then the job fails clearly and changes nothing', async () => {
    const { server, dir } = await setup(() => ({ content: '{"tasks": [{"id": "t1"}]}' }));
    const r = await runCli(['implement', '--file', 'TASK.md'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/The planner's plan was rejected after 2 attempt\(s\)/);
    expect(r.stderr).toContain('Nothing was changed');
    // 2 plan attempts, each: cheap answer + one corrective retry, then the next planner tier the same.
    expect(server.requests.map((q) => q.model)).toEqual([
      'loop-cheap',
      'loop-cheap',
      'loop-premium',
      'loop-premium',
      'loop-cheap',
      'loop-cheap',
      'loop-premium',
      'loop-premium',
    ]);
    expect(server.requests[4]!.messages.at(-1)!.content).toMatch(
      /Your previous plan was rejected:\n- the previous answer could not be used: .*tasks\.0\.title/,
    );
    expect(statusPorcelain(dir)).toBe('');
    const runs = readdirSync(path.join(dir, '.git/distiq/runs'));
    expect(
      JSON.parse(readFileSync(path.join(dir, '.git/distiq/runs', runs[0]!), 'utf8')),
    ).toMatchObject({ job: 'implement', status: 'error', error: { type: 'PlanRejectedError' } });
  });

  it('a plan with a path outside the repo or into CI workflows is sent back with the reason', async () => {
    const bad = plan(
      task(
        't1',
        [1, 2],
        [
          {
            path: '../outside.ts',
            action: 'create',
            changes: [{ old: '', new: 'x', reason: 'escape' }],
          },
          {
            path: '.github/workflows/ci.yml',
            action: 'create',
            changes: [{ old: '', new: 'on: push', reason: 'ci' }],
          },
        ],
      ),
    );
    const { server, dir } = await setup((_b, n) => ({ content: n === 0 ? bad : GOOD_PLAN }));
    const r = await runCli(['implement', '--file', 'TASK.md', '--json'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).plan.attempts).toBe(2);
    const feedback = server.requests[1]!.messages.at(-1)!.content;
    expect(feedback).toContain('outside the repository root');
    expect(feedback).toContain('.github/ (CI workflows, actions) is not changed');
    expect(existsSync(path.join(dir, '..', 'outside.ts'))).toBe(false);
    expect(existsSync(path.join(dir, '.github'))).toBe(false);
  });

  it('an ambiguous executor edit is refused with a precise message, never guessed', async () => {
    // The plan names both files (the edit allowlist keeps an executor inside its task's files);
    // its own code does not apply, so the executor is asked.
    const noPlanCode = plan(
      task(
        't1',
        [1, 2],
        [
          {
            path: 'src/math.ts',
            action: 'modify',
            changes: [{ old: 'no such code', new: 'x', reason: 'r' }],
          },
          {
            path: 'src/clamp.ts',
            action: 'create',
            changes: [{ old: '', new: 'export {};', reason: 'r' }],
          },
        ],
      ),
    );
    const { server, dir } = await setup((b) => {
      if (isPlanner(b)) return { content: noPlanCode };
      const executorCalls = server.requests.filter((q) => !isPlanner(q)).length;
      // "number" occurs many times in src/math.ts: ambiguous. The retry is exact.
      return executorCalls === 1
        ? { content: edits({ path: 'src/math.ts', search: 'number', replace: 'bigint' }) }
        : {
            content: edits(
              {
                path: 'src/math.ts',
                search: '  return a + b;\n}',
                replace: `  return a + b;\n}\n\n${SUBTRACT.trimEnd()}`,
              },
              { path: 'src/clamp.ts', search: '', replace: CLAMP },
            ),
          };
    });
    const r = await runCli(['implement', '--file', 'TASK.md', '--tiers', 'cheap', '--json'], {
      cwd: dir,
    });
    const report = JSON.parse(r.stdout);
    expect(report.status).toBe('implemented');
    expect(report.repairs[1]).toMatchObject({ tier: 'cheap', outcome: 'rejected' });
    expect(report.repairs[1].reason).toMatch(
      /"search" occurs 3 times; include more surrounding lines/,
    );
    expect(readFileSync(path.join(dir, 'src/math.ts'), 'utf8')).not.toContain('bigint');
  });

  it('the budget is a hard cap: planner fits, the executor call would not; exit 3, tree untouched', async () => {
    const noPlanCode = plan(
      task(
        't1',
        [1, 2],
        [
          {
            path: 'src/math.ts',
            action: 'modify',
            changes: [{ old: 'no such code', new: 'x', reason: 'r' }],
          },
        ],
        { tier: 'premium' },
      ),
    );
    const { server, dir } = await setup(() => ({ content: noPlanCode }), {
      models: { maxOutputTokens: 4000, maxRetries: 0, contextTokens: 8000 },
    });
    // Planner worst case on loop-cheap ≈ (prompt + 4000 out) × $4/M ≈ $0.02; a premium executor call ≈ $0.2.
    const r = await runCli(['implement', '--file', 'TASK.md', '--budget', '0.05', '--json'], {
      cwd: dir,
    });
    const report = JSON.parse(r.stdout);
    expect(r.code).toBe(3);
    expect(report.status).toBe('over-budget');
    expect(report.tasks[0].escalations.join('\n')).toMatch(/stopped: .*budget/i);
    expect(server.requests.filter((b) => b.model === 'loop-premium')).toHaveLength(0);
    expect(report.cost.usd).toBeLessThanOrEqual(0.05);
    expect(statusPorcelain(dir)).toBe('');
  });

  it('bad input: no checklist items, both --file and --text, a missing file: exit 2 with the reason', async () => {
    const dir = makeRepo({ files: { 'EMPTY.md': '- [x] all done\n' } });
    const none = await runCli(['implement', '--file', 'EMPTY.md'], { cwd: dir });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('EMPTY.md has no unchecked checklist items');
    const both = await runCli(['implement', '--file', 'EMPTY.md', '--text', '- [ ] x'], {
      cwd: dir,
    });
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('exactly one of --file');
    const missing = await runCli(['implement', '--file', 'NOPE.md', '--json'], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(JSON.parse(missing.stdout).error.message).toMatch(/Cannot read NOPE\.md/);
  });
});

describe('distiq plan (nothing executed)', () => {
  it('plan implement --json: tasks with scope, context size and cost per tier; the tree is untouched', async () => {
    const { dir } = await setup(() => ({ content: GOOD_PLAN }));
    const r = await runCli(['plan', 'implement', '--file', 'TASK.md', '--json'], { cwd: dir });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.tasks.map((t: { id: string; files: string[] }) => [t.id, t.files])).toEqual([
      ['t1', ['src/math.ts']],
      ['t2', ['src/clamp.ts']],
    ]);
    const e = report.tasks[0].estimate;
    expect(e.inputTokens).toBeGreaterThan(e.prefixTokens);
    expect(e.prefixTokens).toBeGreaterThan(0);
    expect(e.usdByTier.premium.usd).toBeCloseTo(e.usdByTier.cheap.usd * 10, 10); // prices 10× apart
    expect(report.planning.calls ?? report.planning.byModel[0].calls).toBe(1);
    expect(statusPorcelain(dir)).toBe('');
    expect(existsSync(path.join(dir, 'src/clamp.ts'))).toBe(false);
  });
});
