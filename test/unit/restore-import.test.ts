import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RepairProposal } from '../../src/autofix/fixer.js';
import { loadHistory } from '../../src/autofix/history.js';
import { typescriptFixer } from '../../src/autofix/typescript.js';
import { removedImports } from '../../src/context/removed-imports.js';
import { tscFailures, brokenRepo } from '../support/ts-repo.js';

function apply(dir: string, p: RepairProposal): void {
  for (const e of p.edits) writeFileSync(path.join(dir, e.path), e.after ?? '');
}

// Two modules export `add`: the language service's own import fix could pick either; the
// history says which one the file imported.
const GREEN = {
  'src/math.ts':
    'export function add(a: number, b: number): number {\n  return a + b;\n}\nexport function sub(a: number, b: number): number {\n  return a - b;\n}\n',
  'src/vec.ts':
    'export function add(a: number, b: number): number {\n  return a + b + 0;\n}\nexport const zero = 0;\n',
  'src/app.ts':
    "import { zero } from './vec.js';\nimport { add, sub } from './math.js';\n\nexport const x = add(1, sub(3, zero));\nexport const y = add(x, 2);\n",
};

describe('dropped imports restored from the history', { timeout: 300_000 }, () => {
  it('finds the bindings a diff removed, element or whole statement, ES or require', () => {
    const before =
      "import a, { b, c as d } from './m.js';\nimport * as ns from \"./n\";\nconst r = require('./r');\n";
    const now = "import a, { b } from './m.js';\n";
    expect(
      removedImports('x.ts', before, now).map((r) => [r.local, r.imported, r.statement]),
    ).toEqual([
      ['d', 'c', "import { c as d } from './m.js';"],
      ['ns', '*', 'import * as ns from "./n";'],
      ['r', '*', "const r = require('./r');"],
    ]);
    // A name the file now declares itself was not dropped by accident.
    expect(removedImports('x.ts', "import { b } from './m.js';\n", 'const b = 1;\n')).toEqual([]);
  });

  it('puts a dropped name back into the import of the module it came from', async () => {
    const dir = brokenRepo(GREEN, {
      'src/app.ts': GREEN['src/app.ts'].replace('{ add, sub }', '{ sub }'),
    });
    const failures = await tscFailures(dir);
    expect(failures.some((f) => f.message.includes("Cannot find name 'add'"))).toBe(true);
    const history = await loadHistory(dir);
    expect(history!.removedImports.map((r) => [r.file, r.local, r.specifier])).toEqual([
      ['src/app.ts', 'add', './math.js'],
    ]);
    const proposals = await typescriptFixer.propose(failures, { root: dir, secretEnvVars: [] });
    expect(proposals[0]!.descriptions[0]).toMatch(/Restore the import of 'add' from '.\/math.js'/);
    // No proposal imports `add` from the lookalike module.
    for (const p of proposals)
      for (const e of p.edits) expect(e.after ?? '').not.toMatch(/add[^;]*from '.\/vec/);
    apply(dir, proposals[0]!);
    expect(readFileSync(path.join(dir, 'src/app.ts'), 'utf8')).toContain(
      "import { sub, add } from './math.js';",
    );
    expect(await tscFailures(dir)).toEqual([]);
  });

  it('restores a whole dropped import line as its own statement', async () => {
    const dir = brokenRepo(GREEN, {
      'src/app.ts': GREEN['src/app.ts'].replace("import { add, sub } from './math.js';\n", ''),
    });
    const failures = await tscFailures(dir);
    const proposals = await typescriptFixer.propose(failures, { root: dir, secretEnvVars: [] });
    apply(dir, proposals[0]!);
    const text = readFileSync(path.join(dir, 'src/app.ts'), 'utf8');
    expect(text).toContain("import { add, sub } from './math.js';");
    expect(await tscFailures(dir)).toEqual([]);
  });

  it('proposes nothing from history when the import was not removed by the diff', async () => {
    const dir = brokenRepo(GREEN, {
      'src/app.ts': GREEN['src/app.ts'] + 'export const z = mul(1, 2);\n',
    });
    const history = await loadHistory(dir);
    expect(history!.removedImports).toEqual([]);
    const failures = await tscFailures(dir);
    const proposals = await typescriptFixer.propose(failures, { root: dir, secretEnvVars: [] });
    expect(proposals.every((p) => !/Restore the import/.test(p.descriptions.join()))).toBe(true);
  });
});
