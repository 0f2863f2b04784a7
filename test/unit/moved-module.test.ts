import { copyFileSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadHistory } from '../../src/autofix/history.js';
import { specifierFor } from '../../src/autofix/moved-module.js';
import { typescriptFixer } from '../../src/autofix/typescript.js';
import { parseMoves } from '../../src/context/history-parse.js';
import { git, makeRepo } from '../helpers.js';
import { tscFailures } from '../support/ts-repo.js';

// Bundler resolution accepts both `./x.js` and `./x` and folder indexes, so one repo shows
// each specifier style kept.
const TSCONFIG = JSON.stringify({
  compilerOptions: {
    strict: true,
    noEmit: true,
    target: 'ES2022',
    module: 'ESNext',
    moduleResolution: 'Bundler',
    types: [],
  },
  include: ['src'],
});

const read = (dir: string, f: string) => readFileSync(path.join(dir, f), 'utf8');

describe('moved modules: importers follow the move', { timeout: 300_000 }, () => {
  it('reads renames from git diff -M --name-status -z', () => {
    expect(parseMoves('M\0a.ts\0R097\0src/x.ts\0src/y/x.ts\0D\0b.ts\0C100\0c.ts\0d.ts\0')).toEqual([
      { from: 'src/x.ts', to: 'src/y/x.ts' },
    ]);
  });

  it('writes the new specifier in the style of the old one', () => {
    const r = path.resolve;
    expect(specifierFor(r('/p/src'), r('/p/src/core/m.ts'), './m.js', r('/p/src/m.ts'))).toBe(
      './core/m.js',
    );
    expect(specifierFor(r('/p/src/a/b'), r('/p/src/m.ts'), '../m', r('/p/src/a/m.ts'))).toBe(
      '../../m',
    );
    // A file beside a folder of its name is not `..`, which names the folder.
    expect(
      specifierFor(r('/p/src/utils/moved'), r('/p/src/utils.ts'), '../utils', r('/p/src/utils.ts')),
    ).toBe('../../utils');
    expect(specifierFor(r('/p/src/utils'), r('/p/src/utils.ts'), './x', r('/p/src/x.ts'))).toBe(
      '../utils',
    );
    // A folder index stays a folder: `.` and `..` included.
    expect(
      specifierFor(r('/p/src/lib'), r('/p/src/lib/index.ts'), '..', r('/p/src/index.ts')),
    ).toBe('.');
    expect(
      specifierFor(r('/p/src/a/b'), r('/p/src/a/index.ts'), '.', r('/p/src/a/b/index.ts')),
    ).toBe('..');
  });

  it('sees a move that was never staged (mv without git add), and never a copy or a lookalike', async () => {
    const dir = makeRepo({
      nodeModules: true,
      files: {
        'package.json': '{"type":"module"}',
        'tsconfig.json': TSCONFIG,
        'src/lib/money.ts':
          'export function format(n: number): string {\n  return n.toFixed(2);\n}\n',
        'src/lib/twin.ts': 'export const same = 1;\n',
        'src/app.ts': "import { format } from './lib/money.js';\nexport const s = format(1);\n",
      },
    });
    git(dir, 'commit', '-q', '--allow-empty', '-m', 'green'); // the base is HEAD~1
    mkdirSync(path.join(dir, 'src/core'), { recursive: true });
    renameSync(path.join(dir, 'src/lib/money.ts'), path.join(dir, 'src/core/money.ts'));
    // Two untracked files with the deleted twin's bytes: ambiguous, so not a move.
    copyFileSync(path.join(dir, 'src/lib/twin.ts'), path.join(dir, 'src/core/twin-a.ts'));
    renameSync(path.join(dir, 'src/lib/twin.ts'), path.join(dir, 'src/core/twin-b.ts'));
    const index = read(dir, '.git/index');
    const history = await loadHistory(dir);
    expect(history!.moves).toEqual([{ from: 'src/lib/money.ts', to: 'src/core/money.ts' }]);
    expect(read(dir, '.git/index')).toBe(index); // nothing staged on the user's behalf
    const failures = await tscFailures(dir);
    const proposals = await typescriptFixer.propose(failures, { root: dir, secretEnvVars: [] });
    const edit = proposals.flatMap((p) => p.edits).find((e) => e.path === 'src/app.ts');
    expect(edit?.after).toContain("from './core/money.js'");
  });

  it('repairs a moved file: its own imports first, then every importer', async () => {
    const dir = makeRepo({
      nodeModules: true,
      files: {
        'package.json': '{"type":"module"}',
        'tsconfig.json': TSCONFIG,
        'src/config.ts': 'export const places = 2;\n',
        'src/lib/money.ts':
          "import { places } from '../config.js';\nexport function format(n: number): string {\n  return n.toFixed(places);\n}\n",
        'src/lib/index.ts': "export * from './money';\n",
        'src/app.ts':
          "import { format } from './lib/money.js';\nimport * as lib from './lib';\nexport const s = format(1) + lib.format(2);\n",
        'src/deep/user.ts': 'import { format } from "../lib/money";\nexport const t = format(3);\n',
      },
    });
    expect(await tscFailures(dir)).toEqual([]);
    mkdirSync(path.join(dir, 'src/core/money'), { recursive: true });
    git(dir, 'mv', 'src/lib/money.ts', 'src/core/money/format.ts');
    git(dir, 'commit', '-qm', 'move money');
    const failures = await tscFailures(dir);
    expect(failures.some((f) => f.code === 'TS2307')).toBe(true);
    const history = await loadHistory(dir);
    expect(history!.moves).toEqual([{ from: 'src/lib/money.ts', to: 'src/core/money/format.ts' }]);

    const [first] = await typescriptFixer.propose(failures, { root: dir, secretEnvVars: [] });
    expect(first!.edits[0]!.path).toBe('src/core/money/format.ts');
    expect(first!.why).toMatch(/moved src\/lib\/money.ts → src\/core\/money\/format.ts/);
    for (const e of first!.edits) writeFileSync(path.join(dir, e.path), e.after ?? '');
    expect(read(dir, 'src/core/money/format.ts')).toContain("from '../../config.js'");
    expect(read(dir, 'src/app.ts')).toContain("from './core/money/format.js'");
    expect(read(dir, 'src/app.ts')).toContain("from './lib'"); // still resolves: untouched
    expect(read(dir, 'src/lib/index.ts')).toBe("export * from '../core/money/format';\n");
    expect(read(dir, 'src/deep/user.ts')).toContain('from "../core/money/format"');
    expect(await tscFailures(dir)).toEqual([]);
  });
});
