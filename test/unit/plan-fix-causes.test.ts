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

  it('TS2724 (`\'"./x"\' has no exported member named … Did you mean`) names its module too', () => {
    const message = (n: string) =>
      `'"./createStore"' has no exported member named '${n}'. Did you mean '${n}Impl'?`;
    const tasks = planFixTasks(
      [tsc('src/index.ts', 2, message('legacy')), tsc('src/other.ts', 1, message('create'))],
      {
        definedIn: () => [],
        moduleFile: (_, spec) => (spec === './createStore' ? 'src/createStore.ts' : undefined),
      },
    );
    expect(tasks).toHaveLength(1);
    expect(tasks[0]!.files).toContain('src/createStore.ts');
  });

  it('the task failing in a file the diff changed comes first; collateral tasks after it', () => {
    const collateral = (file: string) => tsc(file, 3, 'A rest element type must be an array type.');
    const failures = [
      collateral('src/a/combine.ts'),
      collateral('src/b/concat.ts'),
      tsc('src/types.ts', 110, "Cannot find name 'StreamLike'. Did you mean 'StreamLke'?"),
    ];
    const plain = planFixTasks(failures);
    expect(plain.map((t) => t.failures[0]!.file)).toEqual([
      'src/a/combine.ts',
      'src/b/concat.ts',
      'src/types.ts',
    ]);
    const tasks = planFixTasks(failures, { changedFiles: ['src/types.ts'] });
    expect(tasks.map((t) => t.failures[0]!.file)).toEqual([
      'src/types.ts',
      'src/a/combine.ts',
      'src/b/concat.ts',
    ]);
    expect(tasks[0]!.id).toBe('t1');
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

describe('a name nothing defines any more: the file that lost it joins the scope', () => {
  it('a removed interface member and a declaration renamed away (through a barrel) reach the file whose diff removed them', async () => {
    const { parseRemovedNames } = await import('../../src/context/history-parse.js');
    // `git diff -U0` of the breaking commit: a member deleted, a function renamed, a comment and a
    // string that mention the names (neither counts).
    const removed = parseRemovedNames(
      [
        'diff --git a/src/types/store.ts b/src/types/store.ts',
        'index 1111111..2222222 100644',
        '--- a/src/types/store.ts',
        '+++ b/src/types/store.ts',
        '@@ -7 +6,0 @@ export interface Store {',
        '-  dispatch: Dispatch',
        'diff --git a/src/utils/plugins.ts b/src/utils/plugins.ts',
        'index 3333333..4444444 100644',
        '--- a/src/utils/plugins.ts',
        '+++ b/src/utils/plugins.ts',
        '@@ -3 +3 @@',
        '-export function getPlugin(name: string) {',
        '+export function getPluginImpl(name: string) {',
        'diff --git a/README.md b/README.md',
        '--- a/README.md',
        '+++ b/README.md',
        '@@ -1 +1 @@',
        "--- const label = 'subscribe' // unsubscribe",
        '+x',
      ].join('\n'),
    );
    expect(removed.get('dispatch')).toEqual(['src/types/store.ts']);
    expect(removed.get('getPlugin')).toEqual(['src/utils/plugins.ts']);
    expect(removed.get('getPluginImpl')).toBeUndefined();
    expect(removed.get('subscribe')).toBeUndefined(); // inside a string
    expect(removed.get('unsubscribe')).toBeUndefined(); // inside a comment
    expect(removed.get('label')).toEqual(['README.md']); // a removed line that starts with "--"

    const removedFrom = (name: string) => removed.get(name) ?? [];
    const tasks = planFixTasks(
      [
        tsc('src/applyMiddleware.ts', 4, "Property 'dispatch' does not exist on type 'Store'."),
        tsc('src/compose.ts', 8, "Property 'dispatch' does not exist on type 'Store'."),
        tsc('src/core/scope.ts', 2, "Module '\"../internal\"' has no exported member 'getPlugin'."),
      ],
      { definedIn: () => [], removedFrom },
    );
    // TS2353: an object literal still sets the member its type lost.
    const literal = planFixTasks(
      [
        tsc(
          'src/applyMiddleware.ts',
          30,
          "Object literal may only specify known properties, and 'dispatch' does not exist in type 'MiddlewareAPI<Dispatch<UnknownAction>, any>'.",
        ),
      ],
      { definedIn: () => [], removedFrom },
    );
    expect(literal[0]!.files).toContain('src/types/store.ts');
    const byFile = (f: string) => tasks.find((t) => t.failures.some((x) => x.file === f))!;
    expect(byFile('src/applyMiddleware.ts')).toBe(byFile('src/compose.ts'));
    expect(byFile('src/applyMiddleware.ts').files).toContain('src/types/store.ts');
    expect(byFile('src/core/scope.ts').files).toContain('src/utils/plugins.ts');
    // Without the history the old scope stays: only the failing files.
    const blind = planFixTasks([
      tsc('src/core/scope.ts', 2, "Module '\"../internal\"' has no exported member 'getPlugin'."),
    ]);
    expect(blind[0]!.files).toEqual(['src/core/scope.ts']);
  });
});

describe('the files changed since the last green commit are in every fix task scope', () => {
  it('a call site broken by a parameter added in another file may be repaired where it changed', () => {
    const [task] = planFixTasks(
      [tsc('src/core/proxy.ts', 12, 'Expected 3 arguments, but got 2.')],
      { definedIn: () => [], changedFiles: ['src/utils/common.ts'] },
    );
    expect(task!.files).toEqual(['src/core/proxy.ts', 'src/utils/common.ts']);
    expect(
      planFixTasks([tsc('src/core/proxy.ts', 12, 'Expected 3 arguments, but got 2.')])[0]!.files,
    ).toEqual(['src/core/proxy.ts']);
  });
});
