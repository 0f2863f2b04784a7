import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FileEdit } from '../../src/autofix/fixer.js';
import { validateConfig } from '../../src/config/load.js';
import { JobContext } from '../../src/context/job-context.js';
import { proveEdits } from '../../src/edits/prove.js';
import { FixerScope, fixerGuard } from '../../src/pipeline/fixer-scope.js';
import type { Failure } from '../../src/validation/failure.js';
import { git, makeRepo, writeFiles } from '../helpers.js';

/**
 * A $0 fixer (or a memory replay) proposes edits; they are held to the scope a model edit for the
 * same failures gets: the failing files plus the definitions the plan joins. The proposals here
 * are scripted; the repo, the index and the path policy are real.
 */
const FILES = {
  'src/util.ts': 'export function area(w: number, h: number): number {\n  return w * h;\n}\n',
  'src/main.ts': "import { area } from './util';\nexport const a = area('2', 3);\n",
  'src/second.ts': "import { area } from './util';\nexport const b = area('4', 5);\n",
  'src/other.ts': 'export const other = 1;\n',
};
// Two call sites of one function fail: the plan joins the file defining it (as for a model task).
const FAILURE: Failure = {
  tool: 'tsc',
  file: 'src/main.ts',
  line: 2,
  column: 18,
  code: 'TS2345',
  message: "Argument of type 'string' is not assignable to parameter of type 'number'.",
  severity: 'error',
};
const FAILURES = [FAILURE, { ...FAILURE, file: 'src/second.ts' }];

function edit(root: string, rel: string, after: string): FileEdit {
  return { path: rel, before: readFileSync(path.join(root, rel), 'utf8'), after };
}

async function guardFor(root: string, edits: FileEdit[], scope: FixerScope) {
  const config = validateConfig({ commands: { build: 'node -e 0' } }, 'test');
  return fixerGuard(root, config, [], edits, FAILURES, scope);
}

describe('$0 fixer proposals are limited to the task scope', () => {
  it('refuses a proposal touching a file outside the scope, with the reason, and changes nothing', async () => {
    const root = makeRepo({ files: FILES });
    const scope = new FixerScope(() => JobContext.open(root, 8000));
    const edits = [edit(root, 'src/other.ts', 'export const other = 2;\n')];
    let validated = false;
    const proof = await proveEdits({
      root,
      edits,
      guard: await guardFor(root, edits, scope),
      validate: async () => (validated = true),
      judge: () => ({ keep: true, reason: 'ok' }),
    });
    expect(proof.kept).toBe(false);
    expect(proof.kept === false && proof.refused).toBe(true);
    expect(proof.reason).toContain('"src/other.ts" are refused (scope)');
    expect(proof.reason).toContain(
      "outside this task's files (src/main.ts, src/second.ts, src/util.ts)",
    );
    expect(validated).toBe(false);
    expect(readFileSync(path.join(root, 'src/other.ts'), 'utf8')).toBe(FILES['src/other.ts']);
  });

  it('allows the failing file without opening the index, and the joined definition with it', async () => {
    const root = makeRepo({ files: FILES });
    let opened = 0;
    const scope = new FixerScope(() => (opened++, JobContext.open(root, 8000)));
    const own = [
      edit(root, 'src/main.ts', "import { area } from './util';\nexport const a = 0;\n"),
    ];
    expect((await guardFor(root, own, scope)).scope?.files).toEqual([
      'src/main.ts',
      'src/second.ts',
    ]);
    expect(opened).toBe(0);
    const def = [edit(root, 'src/util.ts', FILES['src/util.ts'].replace('w: number', 'w: any'))];
    const guard = await guardFor(root, def, scope);
    expect(guard.scope?.files).toEqual(['src/main.ts', 'src/second.ts', 'src/util.ts']);
    expect(opened).toBe(1);
    const proof = await proveEdits({
      root,
      edits: def,
      guard,
      validate: async () => true,
      judge: () => ({ keep: true, reason: 'ok' }),
    });
    expect(proof.kept).toBe(true);
  });

  it('a failure without a file leaves the whole repo in scope, as for a model task', async () => {
    const root = makeRepo({ files: FILES });
    const scope = new FixerScope(() => JobContext.open(root, 8000));
    const edits = [edit(root, 'src/other.ts', 'export const other = 2;\n')];
    const s = await scope.scopeFor(edits, [{ ...FAILURE, file: null, line: null, column: null }]);
    expect(s.files).toBeNull();
  });

  it('the files changed since the last green commit are in scope, as for a model task', async () => {
    // Green, then a commit that renames the definition away: the one failure is at a user whose
    // message names neither the definition's file nor a symbol defined anywhere.
    const root = makeRepo({ files: FILES });
    writeFiles(root, { 'src/util.ts': FILES['src/util.ts'].replace('area(', 'areaImpl(') });
    git(root, 'commit', '-qam', 'rename area');
    const failure: Failure = { ...FAILURE, code: 'TS2304', message: "Cannot find name 'x'." };
    const withHistory = new FixerScope(() => JobContext.open(root, 8000, { env: {} }));
    const def = [edit(root, 'src/util.ts', FILES['src/util.ts'])];
    expect((await withHistory.scopeFor(def, [failure])).files).toEqual([
      'src/main.ts',
      'src/util.ts',
    ]);
    // Without the history the same proposal is out of scope; an unchanged file stays out.
    const without = new FixerScope(() => JobContext.open(root, 8000));
    expect((await without.scopeFor(def, [failure])).files).toEqual(['src/main.ts']);
    const other = [edit(root, 'src/other.ts', 'export const other = 2;\n')];
    expect((await withHistory.scopeFor(other, [failure])).files).not.toContain('src/other.ts');
  });
});
