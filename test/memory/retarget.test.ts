// Re-targeting a stored repair at the same mistake on another line or in another file: the
// stored span edit (a misspelled name put right, an import renamed) re-applied to the new
// failing line, names mapped through the abstraction, the search made unique.
import { describe, expect, it } from 'vitest';
import { retargetSpan } from '../../src/memory/retarget.js';

describe('retargetSpan', () => {
  const stored = {
    file: 'src/a.ts',
    names: ['isPlainObjet', 'isPlainObject'],
    line: 'if (!isPlainObjet(action)) {',
  };
  const hunks = [
    {
      path: 'src/a.ts',
      search: '  if (!isPlainObjet(action)) {',
      replace: '  if (!isPlainObject(action)) {',
    },
  ];

  it('re-applies the changed span on the new failing line, keeping its indentation', () => {
    const text = 'const a = 1;\n    return isPlainObjet(value) && a;\nexport {};\n';
    const current = {
      file: 'src/b.ts',
      names: ['isPlainObjet', 'isPlainObject'],
      line: 'return isPlainObjet(value) && a;',
    };
    expect(retargetSpan(hunks, stored, current, text, 2)).toEqual([
      {
        path: 'src/b.ts',
        search: '    return isPlainObjet(value) && a;',
        replace: '    return isPlainObject(value) && a;',
      },
    ]);
  });

  it('maps names through the message and widens the search until it is unique', () => {
    const text = 'x();\nreturn isArra(v);\ny();\nreturn isArra(v);\n';
    const current = { file: 'src/c.ts', names: ['isArra', 'isArray'], line: 'return isArra(v);' };
    expect(retargetSpan(hunks, stored, current, text, 4)).toEqual([
      {
        path: 'src/c.ts',
        search: 'y();\nreturn isArra(v);',
        replace: 'y();\nreturn isArray(v);',
      },
    ]);
  });

  it('gives up when the span is not on the new line exactly once, or the repair is not a span edit', () => {
    const current = { file: 'src/d.ts', names: ['isPlainObjet', 'isPlainObject'], line: 'f(g);' };
    expect(retargetSpan(hunks, stored, current, 'f(g);\n', 1)).toBeNull();
    const twice = { ...current, line: 'isPlainObjet(isPlainObjet(x));' };
    expect(retargetSpan(hunks, stored, twice, 'isPlainObjet(isPlainObjet(x));\n', 1)).toBeNull();
    const two = [...hunks, { path: 'src/e.ts', search: 'a', replace: 'b' }];
    expect(retargetSpan(two, stored, current, 'f(g);\n', 1)).toBeNull();
  });
});
