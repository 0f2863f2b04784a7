import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ResolvedCommand } from '../../src/detect/commands.js';
import { resolveEdits } from '../../src/edits/edit-format.js';
import type { KeptFreeRepair } from '../../src/execute/before-free-repair.js';
import { type ExecuteDeps, newExecutionState } from '../../src/execute/execution-state.js';
import { prove } from '../../src/execute/prove-task.js';
import type { PlanTask } from '../../src/plan/types.js';
import { validate } from '../../src/validation/validate.js';
import { git, makeRepo, writeFiles } from '../helpers.js';
import { TSCONFIG } from '../support/ts-repo.js';

const GREEN =
  'export function formatMoney(n: number): string {\n  return n.toFixed(2);\n}\nexport function total(xs: number[]): string {\n  return formatMoney(xs.reduce((a, b) => a + b, 0));\n}\n';
const BROKEN = GREEN.replace('function formatMoney', 'function formatMny');
// The partial $0 repair the issue saw: the in-file call moved to the broken name (2 → 1 failures).
const PARTIAL = BROKEN.replace('return formatMoney(', 'return formatMny(');
const BUILD: ResolvedCommand = {
  kind: 'build',
  run: 'tsc -p tsconfig.json',
  timeoutMs: 120_000,
  source: 'config',
};

/** A repo after the partial $0 repair, and a scripted model that renames the declaration back. */
async function setup(keptFree: readonly KeptFreeRepair[] | undefined) {
  const dir = makeRepo({
    nodeModules: true,
    files: {
      'package.json': '{"type":"module"}',
      'tsconfig.json': TSCONFIG,
      'src/money.ts': GREEN,
      'src/app.ts': "import { formatMoney } from './money.js';\nexport const s = formatMoney(1);\n",
    },
  });
  writeFiles(dir, { 'src/money.ts': BROKEN });
  git(dir, 'commit', '-qam', 'break');
  writeFileSync(path.join(dir, 'src/money.ts'), PARTIAL);
  const current = await validate([BUILD], { root: dir, secretEnvVars: [] });
  expect(current.failures.map((f) => f.file)).toEqual(['src/app.ts']);
  const task: PlanTask = {
    id: 't1',
    title: 'src/app.ts: 1 failure',
    goal: 'repair',
    files: ['src/app.ts', 'src/money.ts'],
    dependsOn: [],
    tier: 'cheap',
    acceptance: 'the build passes',
    failures: current.failures,
    changes: [],
    items: [],
  };
  const state = newExecutionState(current, [task]);
  const deps = {
    job: 'fix',
    root: dir,
    commands: [BUILD],
    secretEnvVars: [],
    context: null,
    items: [],
    allowWorkflowEdits: false,
    keptFree: keptFree?.map((k) => ({
      edits: k.edits?.map((e) => ({ ...e })),
    })),
  } as unknown as ExecuteDeps;
  // The scripted model: the exact inverse of the accidental rename, as a search/replace.
  const answer = () =>
    resolveEdits(dir, [
      { path: 'src/money.ts', search: 'function formatMny(', replace: 'function formatMoney(' },
    ]);
  return { dir, state, deps, outcome: state.outcomes[0]!, answer };
}

describe(
  'a kept $0 repair never blocks a model repair of the same cause',
  { timeout: 300_000 },
  () => {
    const kept: KeptFreeRepair[] = [
      { edits: [{ path: 'src/money.ts', before: BROKEN, after: PARTIAL }] },
    ];

    it('judges the model answer on the tree before the partial $0 repair when that is better', async () => {
      const { dir, state, deps, outcome, answer } = await setup(kept);
      const proof = await prove(outcome, answer, 'cheap', deps, state);
      expect(proof).toEqual({
        kept: true,
        reason: expect.stringMatching(/judged on the tree before the \$0 repair/),
      });
      expect(readFileSync(path.join(dir, 'src/money.ts'), 'utf8')).toBe(GREEN);
      expect(state.current.failures).toEqual([]);
      expect(outcome.changed).toEqual(['src/money.ts']);
    });

    it('without the kept repair on record the same answer is rejected, and the tree is unchanged', async () => {
      const { dir, state, deps, outcome, answer } = await setup(undefined);
      const proof = await prove(outcome, answer, 'cheap', deps, state);
      expect(proof.kept).toBe(false);
      expect(proof.reason).toMatch(/new failure/);
      expect(readFileSync(path.join(dir, 'src/money.ts'), 'utf8')).toBe(PARTIAL);
    });
  },
);
