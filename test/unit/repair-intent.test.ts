import { describe, expect, it } from 'vitest';
import type { ChangeHistory } from '../../src/autofix/history.js';
import { outsideIntent } from '../../src/validation/repair-intent.js';
import type { Failure } from '../../src/validation/failure.js';

const fail = (file: string, line: number, message: string): Failure => ({
  tool: 'tsc',
  file,
  line,
  column: 1,
  code: 'TS2305',
  severity: 'error',
  message,
});
const lib = 'export function isValidBase64(s: string) {\n  return s.length > 0;\n}\n';

describe('a $0 repair changes only names the failures point at', () => {
  const importer = fail(
    'src/app.ts',
    1,
    "Module './b64.js' has no exported member 'isValidBase64URL'.",
  );

  it('rejects renaming an unrelated declaration to the name a typo asks for', () => {
    const edit = {
      path: 'src/b64.ts',
      before: lib,
      after: lib.replace('isValidBase64', 'isValidBase64URL'),
    };
    expect(outsideIntent([edit], [importer])).toBe(
      "it changes 'isValidBase64' in src/b64.ts, which no failure points at",
    );
  });

  it('accepts changes at a failure site, to names a message quotes, or on lines the diff changed', () => {
    const app = "import { isValidBase64URL } from './b64.js';\n";
    expect(
      outsideIntent(
        [{ path: 'src/app.ts', before: app, after: app.replace('URL', '') }],
        [importer],
      ),
    ).toBeUndefined();
    const quoted = fail('src/other.ts', 9, "Cannot find name 'isValidBase64'.");
    expect(
      outsideIntent(
        [{ path: 'src/b64.ts', before: lib, after: lib.replace('isValidBase64', 'isValidB64') }],
        [quoted],
      ),
    ).toBeUndefined();
    const history: ChangeHistory = {
      base: 'a'.repeat(40),
      source: 'HEAD~1',
      changedFiles: ['src/b64.ts'],
      hunks: new Map([['src/b64.ts', [{ start: 1, end: 1 }]]]),
      renames: [],
      moves: [],
      removedImports: [],
    };
    const back = {
      path: 'src/b64.ts',
      before: lib,
      after: lib.replace('isValidBase64', 'isValidBase64URL'),
    };
    expect(outsideIntent([back], [importer], history)).toBeUndefined();
    // A use the checker flagged (not a declaration) is the fixer's evidence, even if no test got there.
    expect(
      outsideIntent(
        [
          {
            path: 'src/r.ts',
            before: 'export const t = totalAmout(1);\n',
            after: 'export const t = totalAmount(1);\n',
          },
        ],
        [fail('src/r.ts', 9, 'ReferenceError: sum is not defined')],
      ),
    ).toBeUndefined();
    // With the history known, a declaration the diff did not change is never renamed to match
    // its users, even when a message quotes the name.
    const quotedName = fail('src/app.ts', 1, "Cannot find name 'isValidBase64'. Did you mean 'x'?");
    const untouched = {
      ...history,
      changedFiles: ['src/app.ts'],
      hunks: new Map([['src/app.ts', [{ start: 1, end: 1 }]]]),
    };
    expect(outsideIntent([back], [quotedName], untouched)).toBe(
      "it renames 'isValidBase64' in src/b64.ts, a declaration the diff since aaaaaaa did not change",
    );
    // Path words in a module specifier are not names.
    const imp = "import { format } from './lib/money.js';\nconst lib = 1;\n";
    expect(
      outsideIntent(
        [{ path: 'src/app.ts', before: imp, after: imp.replace('./lib/money', './core/money') }],
        [],
        untouched,
      ),
    ).toBeUndefined();
    // Keywords are not names: `let` → `const` is no rename.
    expect(
      outsideIntent([{ path: 'src/x.ts', before: 'let a = 1;\n', after: 'const a = 1;\n' }], []),
    ).toBeUndefined();
  });
});
