import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RepairProposal } from '../../src/autofix/fixer.js';
import { loadHistory, renamedDeclarations, resolveBase } from '../../src/autofix/history.js';
import { typescriptFixer } from '../../src/autofix/typescript.js';
import { UsageError } from '../../src/errors.js';
import type { Failure } from '../../src/validation/failure.js';
import { git, makeRepo, writeFiles } from '../helpers.js';
import { TSCONFIG, tscFailures, brokenRepo } from '../support/ts-repo.js';

async function propose(dir: string): Promise<{ failures: Failure[]; proposals: RepairProposal[] }> {
  const failures = await tscFailures(dir);
  return {
    failures,
    proposals: await typescriptFixer.propose(failures, { root: dir, secretEnvVars: [] }),
  };
}

function after(p: RepairProposal, file: string): string | null | undefined {
  return p.edits.find((e) => e.path === file)?.after;
}

const MONEY =
  'export function formatMoney(n: number): string {\n  return n.toFixed(2);\n}\nexport function total(xs: number[]): string {\n  return formatMoney(xs.reduce((a, b) => a + b, 0));\n}\n';

describe('repairs that use the history since the last green commit', { timeout: 300_000 }, () => {
  it('finds renamed declarations in a diff, overloads as one rename', () => {
    const before =
      'export function f(a: string): string;\nexport function f(a: number): number;\nexport function f(a: any) { return a; }\nexport const k = 1;\n';
    const now = before.replaceAll('function f(', 'function fx(').replace('const k', 'const kk');
    expect(renamedDeclarations('a.ts', before, now)).toEqual([
      { file: 'a.ts', from: 'f', to: 'fx', line: 1 },
      { file: 'a.ts', from: 'k', to: 'kk', line: 4 },
    ]);
    // A changed body is not a rename.
    expect(renamedDeclarations('a.ts', 'export const k = 1;\n', 'export const kk = 2;\n')).toEqual(
      [],
    );
  });

  it('renames an accidentally renamed export back, through a barrel, and says why', async () => {
    const dir = brokenRepo(
      {
        'src/money.ts': MONEY,
        'src/index.ts': "export { formatMoney, total } from './money.js';\n",
        'src/app.ts':
          "import { formatMoney } from './index.js';\nexport const s = formatMoney(1);\n",
      },
      { 'src/money.ts': MONEY.replace('function formatMoney', 'function formatMny') },
    );
    const { failures, proposals } = await propose(dir);
    expect(failures.length).toBeGreaterThan(0);
    const [first] = proposals;
    expect(first!.edits.map((e) => e.path)).toEqual(['src/money.ts']);
    expect(after(first!, 'src/money.ts')).toBe(MONEY);
    expect(first!.why).toMatch(/renamed 'formatMoney' to 'formatMny'.*renaming back edits 1 place/);
    // No proposal spreads the accidental name to the uses.
    for (const p of proposals)
      for (const e of p.edits)
        expect(e.after ?? '').not.toMatch(/formatMny\(xs|import \{ formatMny/);
  });

  it('never renames a declaration the diff did not change to match a misspelled importer', async () => {
    const dir = brokenRepo(
      {
        'src/money.ts': MONEY,
        'src/app.ts':
          "import { formatMoney } from './money.js';\nexport const s = formatMoney(1);\n",
      },
      {
        'src/app.ts': "import { formatMony } from './money.js';\nexport const s = formatMony(1);\n",
      },
    );
    const { proposals } = await propose(dir);
    expect(proposals.length).toBeGreaterThan(0);
    for (const p of proposals) expect(p.edits.map((e) => e.path)).not.toContain('src/money.ts');
    expect(after(proposals[0]!, 'src/app.ts')).toContain(
      "import { formatMoney } from './money.js'",
    );
  });

  it("never respells a barrel's public name to a lookalike export; respells it when the diff changed that line", async () => {
    // immer: `Objectish` renamed away; the barrel's `export { Objectish }` is "Did you mean
    // 'isObjectish'?", and respelling it would change what the package exports.
    const types =
      'export type Objectish = object | unknown[];\nexport function isObjectish(x: unknown): x is Objectish {\n  return typeof x === "object";\n}\n';
    const green = {
      'src/types.ts': types,
      'src/index.ts': "export { Objectish } from './types.js';\n",
      'src/app.ts':
        "import type { Objectish } from './index.js';\nexport const o: Objectish = {};\n",
    };
    const renamedAway = brokenRepo(green, {
      'src/types.ts': types
        .replaceAll('Objectish =', 'ObjectishImpl =')
        .replace('x is Objectish', 'x is ObjectishImpl'),
    });
    const { failures, proposals } = await propose(renamedAway);
    expect(failures.some((f) => /Did you mean 'isObjectish'/.test(f.message))).toBe(true);
    for (const p of proposals) expect(after(p, 'src/index.ts') ?? '').not.toContain('isObjectish');
    // The same barrel line misspelled by the diff itself is the public name that broke.
    const typoInBarrel = brokenRepo(
      { ...green, 'src/index.ts': "export { isObjectish } from './types.js';\n", 'src/app.ts': '' },
      { 'src/index.ts': "export { isObjetish } from './types.js';\n" },
    );
    const typo = await propose(typoInBarrel);
    expect(typo.proposals.some((p) => after(p, 'src/index.ts')?.includes('{ isObjectish }'))).toBe(
      true,
    );
  });

  it('never renames another existing function to a name only its users say (isValidBase64URL)', async () => {
    const lib =
      'export function isValidBase64(s: string): boolean {\n  return /^[A-Za-z0-9+/=]*$/.test(s);\n}\n';
    const dir = brokenRepo(
      {
        'src/b64.ts': lib,
        'src/app.ts':
          "import { isValidBase64 } from './b64.js';\nexport const ok = isValidBase64('x');\n",
      },
      {
        'src/app.ts':
          "import { isValidBase64URL } from './b64.js';\nexport const ok = isValidBase64URL('x');\n",
      },
    );
    const { proposals } = await propose(dir);
    for (const p of proposals) expect(p.edits.map((e) => e.path)).not.toContain('src/b64.ts');
  });

  it('updates the users when the rename was deliberate and only one was missed', async () => {
    const users = (name: string) =>
      Object.fromEntries(
        [1, 2, 3].map((i) => [
          `src/u${i}.ts`,
          `import { ${name} } from './money.js';\nexport const v${i} = ${name}(${i});\n`,
        ]),
      );
    const dir = brokenRepo(
      { 'src/money.ts': MONEY, ...users('formatMoney') },
      {
        'src/money.ts': MONEY.replaceAll('formatMoney', 'formatAmount'),
        'src/u1.ts': users('formatAmount')['src/u1.ts']!,
        'src/u2.ts': users('formatAmount')['src/u2.ts']!,
      },
    );
    const { proposals } = await propose(dir);
    const [first] = proposals;
    expect(first!.edits.map((e) => e.path)).toEqual(['src/u3.ts']);
    expect(after(first!, 'src/u3.ts')).toBe(users('formatAmount')['src/u3.ts']);
    expect(first!.why).toMatch(
      /updating 2 use\(s\) in 1 file\(s\) is smaller than renaming back 6/,
    );
  });

  it('repairs an overload implementation renamed far from its name (x → xImpl), with and without history', async () => {
    const src =
      'export function parse(a: string): string;\nexport function parse(a: number): number;\nexport function parse(a: string | number): string | number {\n  return a;\n}\n';
    const broken = src.replace(
      'function parse(a: string | number)',
      'function parseImpl(a: string | number)',
    );
    const green = {
      'src/p.ts': src,
      'src/app.ts': "import { parse } from './p.js';\nexport const x = parse(1);\n",
    };
    const dir = brokenRepo(green, { 'src/p.ts': broken });
    const { failures, proposals } = await propose(dir);
    expect(failures.map((f) => f.code)).toContain('TS2389');
    expect(after(proposals[0]!, 'src/p.ts')).toBe(src);
    expect(proposals[0]!.descriptions[0]).toContain("Rename 'parseImpl' back to 'parse'");
    // Single-commit repo: no history, the compiler's own message names the fix.
    const alone = makeRepo({
      nodeModules: true,
      files: {
        'package.json': '{"type":"module"}',
        'tsconfig.json': TSCONFIG,
        ...green,
        'src/p.ts': broken,
      },
    });
    const second = await propose(alone);
    expect(after(second.proposals[0]!, 'src/p.ts')).toBe(src);
  });

  it('repairs a misspelled identifier in JavaScript named by a test failure, and nothing else there', async () => {
    const js =
      'export function total(items) {\n  let sum = 0;\n  for (const i of items) sum += i.price;\n  return summ;\n}\nexport const odd = Math.max.apply(null, "x");\n';
    const dir = makeRepo({ files: { 'package.json': '{"type":"module"}', 'src/cart.js': js } });
    const failure: Failure = {
      tool: 'vitest',
      file: 'src/cart.js',
      line: 4,
      column: 3,
      code: null,
      severity: 'error',
      message: 'ReferenceError: summ is not defined',
      test: 'cart > total',
    };
    const [first] = await typescriptFixer.propose([failure], { root: dir, secretEnvVars: [] });
    expect(first!.edits).toEqual([
      { path: 'src/cart.js', before: js, after: js.replace('return summ;', 'return sum;') },
    ]);
  });

  it('takes the base from --base, config, the workflow event, then HEAD~1; a bad --base is a usage error', async () => {
    const dir = makeRepo({ files: { 'a.ts': 'export const a = 1;\n' } });
    expect(await resolveBase(dir)).toBeUndefined(); // one commit: no history
    const first = git(dir, 'rev-parse', 'HEAD').trim();
    writeFiles(dir, { 'a.ts': 'export const b = 1;\n' });
    git(dir, 'commit', '-qam', 'two');
    expect(await resolveBase(dir)).toEqual({ base: first, source: 'HEAD~1' });
    await expect(resolveBase(dir, { flag: 'no-such-rev' })).rejects.toBeInstanceOf(UsageError);
    await expect(resolveBase(dir, { flag: '--output=/tmp/x' })).rejects.toBeInstanceOf(UsageError);
    const event = path.join(dir, '.git', 'event.json');
    writeFileSync(event, JSON.stringify({ pull_request: { base: { sha: first } } }));
    expect(await resolveBase(dir, { env: { GITHUB_EVENT_PATH: event } })).toEqual({
      base: first,
      source: 'pull_request',
    });
    writeFileSync(event, JSON.stringify({ before: 'f'.repeat(40) })); // not in this clone: fall back
    expect((await resolveBase(dir, { env: { GITHUB_EVENT_PATH: event } }))?.source).toBe('HEAD~1');
    const h = await loadHistory(dir);
    expect(h?.renames).toEqual([{ file: 'a.ts', from: 'a', to: 'b', line: 1 }]);
    expect(h?.hunks.get('a.ts')).toEqual([{ start: 1, end: 1 }]);
  });
});
