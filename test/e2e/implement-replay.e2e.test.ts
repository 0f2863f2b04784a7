// The exact replay cache covers implement too: a re-run of the same implement job (here after the
// tree is put back, as after a crash) answers the planner's and the executor's identical requests
// from the cache at $0, real CLI, real tsc, a scripted loopback model.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type ChatBody, edits, startLoopbackOpenAI } from '../loopback-openai.js';
import { git, makeRepo, runCli } from '../helpers.js';

const FILES = {
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
  'src/math.ts': 'export function add(a: number, b: number): number {\n  return a + b;\n}\n',
  'TASK.md': '# Math\n\n- [ ] Add `subtract(a, b)` to src/math.ts\n',
};
const SUBTRACT = 'export function subtract(a: number, b: number): number {\n  return a - b;\n}';
// A stale plan (its "old" code is not in the file): the executor has to make the change.
const STALE_PLAN = JSON.stringify({
  tasks: [
    {
      id: 't1',
      title: 'subtract',
      goal: 'add subtract',
      items: [1],
      dependsOn: [],
      tier: 'cheap',
      acceptance: 'build passes',
      files: [
        {
          path: 'src/math.ts',
          action: 'modify',
          changes: [{ old: 'export function add(x: number)', new: 'x', reason: 'stale' }],
        },
      ],
    },
  ],
});
const isPlanner = (b: ChatBody) =>
  (b.response_format as { json_schema?: { name?: string } } | undefined)?.json_schema?.name ===
  'plan';

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

describe('implement and the replay cache (real CLI, loopback model)', () => {
  it("a re-run of the same job pays nothing for the planner's and executor's calls it already paid for", async () => {
    const server = await startLoopbackOpenAI((b) =>
      isPlanner(b)
        ? { content: STALE_PLAN }
        : {
            content: edits({
              path: 'src/math.ts',
              search: '  return a + b;\n}',
              replace: `  return a + b;\n}\n\n${SUBTRACT}`,
            }),
          },
    );
    close = server.close;
    const dir = makeRepo({
      nodeModules: true,
      files: {
        ...FILES,
        '.distiqrc.json': JSON.stringify({
          providers: { loop: { type: 'openai-compatible', baseURL: server.url } },
          tiers: { cheap: [{ provider: 'loop', model: 'loop-cheap' }] },
          prices: { 'loop-cheap': { input: 1, output: 4 } },
          implement: { tiers: ['cheap'] },
        }),
      },
    });
    const run = async () => {
      const r = await runCli(['implement', '--file', 'TASK.md', '--json'], { cwd: dir });
      return { code: r.code, report: JSON.parse(r.stdout) };
    };
    const first = await run();
    expect(first.code).toBe(0);
    expect(first.report.status).toBe('implemented');
    expect(server.requests.map((b) => (isPlanner(b) ? 'planner' : b.model))).toEqual([
      'planner',
      'loop-cheap',
    ]);
    expect(first.report.cost.usd).toBeGreaterThan(0);

    // The same job again from the same tree: both identical requests come from the cache.
    git(dir, 'checkout', '--', '.');
    expect(readFileSync(path.join(dir, 'src/math.ts'), 'utf8')).not.toContain('subtract');
    const second = await run();
    expect(second.code).toBe(0);
    expect(second.report.status).toBe('implemented');
    expect(server.requests).toHaveLength(2); // no new request reached the model
    expect(second.report.cost.usd).toBe(0);
    expect(readFileSync(path.join(dir, 'src/math.ts'), 'utf8')).toContain(SUBTRACT);
  });
});
