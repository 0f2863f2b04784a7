import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Budget } from '../../src/budget/budget.js';
import { CallRecorder, callModel } from '../../src/budget/call-model.js';
import { Ledger } from '../../src/budget/ledger.js';
import { PriceBook } from '../../src/budget/prices.js';
import { refusedEdit } from '../../src/edits/protected-paths.js';
import { loadPathPolicy } from '../../src/edits/path-policy.js';
import { ScriptedProvider } from '../../src/providers/scripted.js';
import { matrixJson, shardPlan } from '../../src/shard/matrix.js';
import { TaskScheduler, topologicalOrder } from '../../src/execute/scheduler.js';
import { uncheckedItems } from '../../src/plan/checklist.js';
import { checkPlan } from '../../src/plan/plan-implement.js';
import { planFixTasks } from '../../src/plan/plan-fix.js';
import type { Failure } from '../../src/validation/failure.js';
import { makeRepo } from '../helpers.js';

const f = (file: string | null, message: string, code = 'TS2345'): Failure => ({
  tool: 'tsc',
  file,
  line: 1,
  column: 1,
  code,
  message,
  severity: 'error',
});

describe('fix plan: failures grouped by cause, no model', () => {
  it('groups by file, and across files by a repo symbol the messages share; its definition joins the scope', () => {
    const failures = [
      f('src/b.ts', "Expected 2 arguments, but got 1. 'parseConfig' requires them"),
      f(
        'src/c.ts',
        "Argument of type 'string' is not assignable to parameter of type 'number'. See 'parseConfig'.",
      ),
      f('src/d.ts', "Type 'string' is not assignable to type 'number'."),
      f('src/d.ts', 'Cannot find name x', 'TS2304'),
      f(null, '`tsc` timed out', 'timeout'),
    ];
    const definedIn = (name: string) => (name === 'parseConfig' ? ['src/config.ts'] : []);
    const tasks = planFixTasks(failures, { definedIn, tier: 'cheap' });
    expect(tasks.map((t) => [t.files, t.failures.length])).toEqual([
      [[], 1], // file-less: scope "anywhere", runs alone
      [['src/b.ts', 'src/c.ts', 'src/config.ts'], 2],
      [['src/d.ts'], 2],
    ]);
    expect(tasks[1]!.title).toContain('sharing parseConfig');
    expect(tasks.every((t) => t.tier === 'cheap')).toBe(true);
    // 'string' and 'number' are the language's types, not a shared cause; without an index, files only.
    expect(planFixTasks(failures).map((t) => t.files)).toEqual([
      [],
      ['src/b.ts'],
      ['src/c.ts'],
      ['src/d.ts'],
    ]);
  });
});

describe('scheduler', () => {
  const tick = () => new Promise((r) => setTimeout(r, 0));

  it('runs at most N at once, never two tasks on the same file, and respects dependencies', async () => {
    const s = new TaskScheduler(
      [
        { id: 'a', files: ['x.ts'], dependsOn: [] },
        { id: 'b', files: ['x.ts', 'y.ts'], dependsOn: [] },
        { id: 'c', files: ['z.ts'], dependsOn: [] },
        { id: 'd', files: ['w.ts'], dependsOn: ['c'] },
        { id: 'e', files: ['v.ts'], dependsOn: [] },
      ],
      2,
    );
    const started: string[] = [];
    const grants = ['a', 'b', 'c', 'd', 'e'].map((id) =>
      s.acquire(id).then((g) => (g.run ? started.push(id) : null)),
    );
    await tick();
    expect(started).toEqual(['a', 'c']); // b overlaps a; the limit is 2
    s.release('a', 'done');
    await tick();
    expect(started).toEqual(['a', 'c', 'b']);
    s.release('c', 'done');
    await tick();
    expect(started).toEqual(['a', 'c', 'b', 'd']);
    s.release('b', 'done');
    s.release('d', 'done');
    await tick();
    expect(started).toEqual(['a', 'c', 'b', 'd', 'e']);
    s.release('e', 'done');
    await Promise.all(grants);
    expect(s.peak).toBe(2);
  });

  it('a task whose dependency failed is refused, and so are its dependents; a task with no scope runs alone', async () => {
    const s = new TaskScheduler(
      [
        { id: 'a', files: ['x.ts'], dependsOn: [] },
        { id: 'b', files: ['y.ts'], dependsOn: ['a'] },
        { id: 'c', files: ['z.ts'], dependsOn: ['b'] },
        { id: 'g', files: [], dependsOn: [] },
      ],
      4,
    );
    const ga = s.acquire('a');
    const gb = s.acquire('b');
    const gc = s.acquire('c');
    let gRan = false;
    const gg = s.acquire('g').then((g) => (gRan = g.run));
    await tick();
    expect(await ga).toEqual({ run: true });
    expect(gRan).toBe(false); // "anywhere" waits for a to finish
    s.release('a', 'failed');
    expect(await gb).toEqual({
      run: false,
      reason: 'skipped: it depends on a, which did not succeed',
    });
    expect(await gc).toEqual({
      run: false,
      reason: 'skipped: it depends on b, which did not succeed',
    });
    await gg;
    expect(gRan).toBe(true);
  });

  it('a task waiting for its proof gives its slot to another task but keeps its files', async () => {
    const s = new TaskScheduler(
      [
        { id: 'a', files: ['x.ts'], dependsOn: [] },
        { id: 'b', files: ['x.ts'], dependsOn: [] },
        { id: 'c', files: ['y.ts'], dependsOn: [] },
      ],
      1,
    );
    const started: string[] = [];
    for (const id of ['a', 'b', 'c']) void s.acquire(id).then((g) => g.run && started.push(id));
    await tick();
    expect(started).toEqual(['a']);
    s.pause('a');
    await tick();
    expect(started).toEqual(['a', 'c']); // b shares x.ts with a: still waiting
    let resumed = false;
    void s.resume('a').then(() => (resumed = true));
    await tick();
    expect(resumed).toBe(false); // c holds the only slot
    s.release('c', 'done');
    await tick();
    expect(resumed).toBe(true);
    s.release('a', 'done');
    await tick();
    expect(started).toEqual(['a', 'c', 'b']);
  });

  it('cycles and unknown dependencies are plan errors', () => {
    expect(() =>
      topologicalOrder([
        { id: 'a', files: [], dependsOn: ['b'] },
        { id: 'b', files: [], dependsOn: ['a'] },
      ]),
    ).toThrow(/cycle: a → b → a/);
    expect(() => topologicalOrder([{ id: 'a', files: [], dependsOn: ['zz'] }])).toThrow(
      /depends on zz, which is not in the plan/,
    );
  });
});

describe('checklist and plan checks', () => {
  it('takes unchecked items only, with continuation lines, and not from code fences', () => {
    const md =
      '# T\n- [ ] one\n  more of one\n- [x] done\n* [ ] two\n  - [ ] nested three\n```\n- [ ] example\n```\n+ [ ]   four  \n';
    expect(uncheckedItems(md)).toEqual(['one more of one', 'two', 'nested three', 'four']);
  });

  it('names every problem a schema cannot see', () => {
    const dir = makeRepo({ files: { 'src/a.ts': 'export const a = 1;\n' } });
    const t = (
      id: string,
      files: {
        path: string;
        action: 'create' | 'modify' | 'delete';
        changes: { old: string; new: string; reason: string }[];
      }[],
      extra = {},
    ) => ({
      id,
      title: id,
      goal: id,
      items: [1],
      dependsOn: [],
      tier: 'cheap' as const,
      acceptance: 'ok',
      files,
      ...extra,
    });
    const problems = checkPlan(
      {
        tasks: [
          t('t1', [
            { path: 'src/a.ts', action: 'create', changes: [{ old: '', new: 'x', reason: 'r' }] },
          ]),
          t(
            't2',
            [
              {
                path: 'src/missing.ts',
                action: 'modify',
                changes: [{ old: '', new: 'x', reason: 'r' }],
              },
            ],
            { items: [3] },
          ),
          t(
            't3',
            [
              {
                path: '/etc/passwd',
                action: 'modify',
                changes: [{ old: 'a', new: 'b', reason: 'r' }],
              },
            ],
            { dependsOn: ['t9'] },
          ),
        ],
      },
      2,
      { root: dir, allowWorkflowEdits: false },
    );
    expect(problems).toEqual([
      'task t3 depends on t9, which is not in the plan',
      'checklist item 2 is not served by any task',
      'task t1, create src/a.ts: the file already exists; use "modify"',
      'task t2 names item 3, but the checklist has 2',
      'task t2, modify src/missing.ts: the file does not exist; use "create"',
      'task t2, modify src/missing.ts: every modify change needs the exact current code in "old"',
      'task t3, modify /etc/passwd: Refused to write "/etc/passwd": absolute paths are not allowed; use a path relative to the repo root',
    ]);
  });
});

describe('what edits may never do, and what never reaches a prompt', () => {
  it('refuses CI, hooks, the distiq config and every package.json change (the allowlist); allowPaths widens', () => {
    const e = (p: string, before: string | null, after: string | null) => ({
      path: p,
      before,
      after,
    });
    const pkg = (scripts: object, deps: object = {}) =>
      JSON.stringify({ name: 'x', scripts, dependencies: deps });
    const dir = makeRepo({
      files: {
        '.husky/pre-push': 'x',
        '.distiqrc.json': '{}',
        'package.json': pkg({ build: 'tsc' }),
        'src/big.ts': '',
      },
    });
    const opts = {
      policy: loadPathPolicy(dir),
      scope: { created: ['.github/workflows/ci.yml', 'src/big.ts'] },
    };
    expect(refusedEdit([e('.github/workflows/ci.yml', null, 'on: push')], opts)).toMatch(
      /\.github\/ \(CI workflows, actions\) is not changed/,
    );
    expect(
      refusedEdit([e('.github/workflows/ci.yml', null, 'on: push')], {
        ...opts,
        policy: loadPathPolicy(dir, { allowWorkflowEdits: true }),
      }),
    ).toBeNull();
    expect(refusedEdit([e('.husky/pre-push', 'x', 'y')], opts)).toMatch(/dot-directory/);
    expect(refusedEdit([e('.distiqrc.json', '{}', '{"commands":{"build":"true"}}')], opts)).toMatch(
      /dotfile/,
    );
    expect(
      refusedEdit([e('package.json', pkg({ build: 'tsc' }), pkg({ build: 'true' }))], opts),
    ).toMatch(/tool configuration/);
    expect(
      refusedEdit(
        [e('package.json', pkg({ build: 'tsc' }), pkg({ build: 'tsc' }, { zod: '^4' }))],
        opts,
      ),
    ).toMatch(/tool configuration/);
    expect(
      refusedEdit(
        [e('package.json', pkg({ build: 'tsc' }), pkg({ build: 'tsc' }, { zod: '^4' }))],
        { policy: loadPathPolicy(dir, { allowPaths: ['package.json'] }) },
      ),
    ).toBeNull();
    expect(refusedEdit([e('src/big.ts', null, 'x'.repeat(2_000_001))], opts)).toMatch(
      /at most 2000000/,
    );
  });

  it('callModel masks secret env values and token shapes in every message before sending', async () => {
    const secret = 'sk-ant-api03-abcdefghijklmnop1234567890';
    process.env.DISTIQ_TEST_API_KEY = 'value-of-a-secret-var-42';
    try {
      const provider = new ScriptedProvider('scripted-redaction', [{ text: '{"edits":[]}' }]);
      const dir = makeRepo();
      await callModel({
        steps: [
          { tier: 'cheap', provider, model: 'm', priced: { pricingProvider: null, model: 'm' } },
        ],
        request: {
          messages: [
            {
              role: 'user',
              content: `config.ts: const key = "${secret}"; env: value-of-a-secret-var-42`,
            },
          ],
          maxOutputTokens: 100,
        },
        budget: new Budget(new Ledger(path.join(dir, 'ledger.jsonl')), { perRun: 1 }, 'r'),
        prices: new PriceBook({}),
        recorder: new CallRecorder(),
      });
      const sent = provider.requests[0]!.req.messages[0]!.content;
      expect(sent).not.toContain(secret);
      expect(sent).not.toContain('value-of-a-secret-var-42');
      expect(sent).toBe('config.ts: const key = "[REDACTED]"; env: [REDACTED]');
    } finally {
      delete process.env.DISTIQ_TEST_API_KEY;
    }
  });
});

describe('shard matrix', () => {
  const t = (
    id: string,
    files: string[],
    dependsOn: string[] = [],
    tier: 'local' | 'cheap' = 'cheap',
  ) => ({
    id,
    title: id,
    goal: id,
    files,
    dependsOn,
    tier,
    acceptance: '',
    failures: [],
    changes: [],
    items: [],
  });

  it('keeps dependent and file-sharing tasks in one shard, packs largest first, slices the budget', () => {
    const shards = shardPlan(
      [
        t('t1', ['a.ts']),
        t('t2', ['b.ts'], ['t1']),
        t('t3', ['c.ts']),
        t('t4', ['c.ts', 'd.ts']),
        t('t5', ['e.ts']),
        t('t6', ['f.ts']),
      ],
      { shards: 3, budgetUsd: 1 },
    );
    expect(shards.map((s) => s.tasks)).toEqual([
      ['t1', 't2'],
      ['t3', 't4'],
      ['t5', 't6'],
    ]);
    expect(shards.every((s) => s.budgetUsd === 0.333333)).toBe(true);
    const files = shards.map(
      (s) =>
        new Set(
          s.tasks.flatMap(
            (id) =>
              ({ t1: ['a'], t2: ['b'], t3: ['c'], t4: ['c', 'd'], t5: ['e'], t6: ['f'] })[
                id as 't1'
              ]!,
          ),
        ),
    );
    for (let i = 0; i < files.length; i++)
      for (let j = i + 1; j < files.length; j++)
        expect([...files[i]!].filter((f) => files[j]!.has(f))).toEqual([]);
    expect(JSON.parse(matrixJson(shards)).include[0]).toEqual({
      shard: 0,
      tasks: 't1,t2',
      tier: 'cheap',
    });
  });

  it('never makes empty shards; separates tiers when it can; a task without scope takes everything', () => {
    expect(shardPlan([t('t1', ['a.ts'])], { shards: 8, budgetUsd: 1 })).toHaveLength(1);
    const tiers = shardPlan(
      [
        t('t1', ['a.ts'], [], 'local'),
        t('t2', ['b.ts']),
        t('t3', ['c.ts'], [], 'local'),
        t('t4', ['d.ts']),
      ],
      { shards: 2, budgetUsd: 1 },
    );
    expect(tiers.map((s) => [s.tier, s.tasks])).toEqual([
      ['local', ['t1', 't3']],
      ['cheap', ['t2', 't4']],
    ]);
    expect(
      shardPlan([t('t1', ['a.ts']), t('t2', []), t('t3', ['c.ts'])], { shards: 3, budgetUsd: 1 }),
    ).toHaveLength(1);
    expect(
      shardPlan(
        Array.from({ length: 10 }, (_, i) => t(`t${i}`, [`${i}.ts`])),
        { maxTasksPerShard: 4, budgetUsd: 1 },
      ),
    ).toHaveLength(3);
  });
});
