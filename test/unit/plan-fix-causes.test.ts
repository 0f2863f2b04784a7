import { describe, expect, it } from 'vitest';
import { planFixTasks } from '../../src/plan/plan-fix.js';
import type { Failure } from '../../src/validation/failure.js';

const tsc = (file: string, line: number, message: string): Failure => ({
  tool: 'tsc',
  file,
  line,
  column: 10,
  code: 'TS2305',
  severity: 'error',
  message,
});

describe('fix tasks group by cause', () => {
  it('one renamed export whose old name exists nowhere is one task, scoped to its module', () => {
    const failures = ['a', 'b', 'c', 'd', 'e'].map((n) =>
      tsc(`src/${n}.ts`, 1, "Module '\"./money.js\"' has no exported member 'formatMoney'."),
    );
    const tasks = planFixTasks(failures, {
      definedIn: () => [],
      moduleFile: (from, spec) =>
        spec === './money.js' && from.startsWith('src/') ? 'src/money.ts' : undefined,
    });
    expect(tasks).toHaveLength(1);
    expect(tasks[0]!.failures).toHaveLength(5);
    expect(tasks[0]!.files).toContain('src/money.ts');
  });

  it('the same missing name in different files is one task even with no index', () => {
    const tasks = planFixTasks([
      tsc('src/a.ts', 3, "Cannot find name 'parseIso'."),
      tsc('lib/b.ts', 9, "Cannot find name 'parseIso'."),
      tsc('src/c.ts', 1, "Cannot find name 'other'."),
    ]);
    expect(tasks.map((t) => t.failures.length).sort()).toEqual([1, 2]);
  });

  it('importers of the same module from different folders share it; different modules do not', () => {
    const tasks = planFixTasks([
      tsc('src/x/a.ts', 1, "Module '\"../util\"' has no exported member 'q'."),
      tsc('src/y/b.ts', 1, "Module '\"../util\"' has no exported member 'r'."),
      tsc('src/c.ts', 1, "Module '\"./other\"' has no exported member 's'."),
    ]);
    expect(tasks.map((t) => t.failures.length).sort()).toEqual([1, 2]);
  });
});
