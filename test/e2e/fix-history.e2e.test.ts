import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { git, makeRepo, runCli, writeFiles } from '../helpers.js';
import { TSCONFIG } from '../support/ts-repo.js';

const MONEY =
  'export function formatMoney(n: number): string {\n  return n.toFixed(2);\n}\nexport function total(xs: number[]): string {\n  return formatMoney(xs.reduce((a, b) => a + b, 0));\n}\n';

describe(
  'distiq fix with the history since the last green commit (real CLI, real tsc)',
  { timeout: 400_000 },
  () => {
    it('renames an accidental rename back, reports the declaring file and why; a bad --base stops first', async () => {
      const dir = makeRepo({
        nodeModules: true,
        files: {
          'package.json': '{"type":"module"}',
          'tsconfig.json': TSCONFIG,
          '.distiqrc.json': JSON.stringify({ commands: { build: 'tsc -p tsconfig.json' } }),
          'src/money.ts': MONEY,
          'src/index.ts': "export { formatMoney, total } from './money.js';\n",
          'src/app.ts':
            "import { formatMoney } from './index.js';\nexport const s = formatMoney(1);\n",
        },
      });
      writeFiles(dir, {
        'src/money.ts': MONEY.replace('function formatMoney', 'function formatMony'),
      });
      git(dir, 'commit', '-qam', 'break');
      const bad = await runCli(['fix', '--build', '--json', '--base', 'nope'], { cwd: dir });
      expect(bad.code).toBe(2);
      expect(readFileSync(path.join(dir, 'src/money.ts'), 'utf8')).not.toBe(MONEY); // nothing touched
      const r = await runCli(['fix', '--build', '--json'], { cwd: dir });
      const report = JSON.parse(r.stdout);
      expect(report.status).toBe('fixed');
      expect(readFileSync(path.join(dir, 'src/money.ts'), 'utf8')).toBe(MONEY);
      expect(report.changedFiles).toEqual(['src/money.ts']);
      const kept = report.repairs.filter((x: { outcome: string }) => x.outcome === 'kept');
      expect(kept).toHaveLength(1);
      expect(kept[0].descriptions[0]).toMatch(
        /Rename 'formatMony' back to 'formatMoney' \(the diff since \w+ renamed/,
      );
      // The tasks whose failures the rename removed list the file it changed (finding 3).
      for (const t of report.tasks)
        expect(t).toMatchObject({ status: 'fixed', changedFiles: ['src/money.ts'] });
      expect(report.tasks.some((t: { attempts: number }) => t.attempts > 0)).toBe(true);
    });

    it('renames back in the changed file when the failure names neither it nor its module', async () => {
      // `money.formatMoney` through a namespace import: TS2551 quotes a property and a type, not
      // the module; the declaring file is in the $0 repair's scope because the diff changed it.
      const money = 'export function formatMoney(n: number): string {\n  return n.toFixed(2);\n}\n';
      const dir = makeRepo({
        nodeModules: true,
        files: {
          'package.json': '{"type":"module"}',
          'tsconfig.json': TSCONFIG,
          '.distiqrc.json': JSON.stringify({ commands: { build: 'tsc -p tsconfig.json' } }),
          'src/money.ts': money,
          'src/app.ts': "import * as m from './money.js';\nexport const s = m.formatMoney(1);\n",
        },
      });
      writeFiles(dir, { 'src/money.ts': money.replace('formatMoney', 'formatMoneyImpl') });
      git(dir, 'commit', '-qam', 'break');
      const report = JSON.parse((await runCli(['fix', '--build', '--json'], { cwd: dir })).stdout);
      expect(report.status).toBe('fixed');
      expect(readFileSync(path.join(dir, 'src/money.ts'), 'utf8')).toBe(money);
      expect(report.changedFiles).toEqual(['src/money.ts']);
    });
  },
);
