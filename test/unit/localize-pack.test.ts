import { describe, expect, it } from 'vitest';
import { countTokens } from 'gpt-tokenizer';
import { buildIndex } from '../../src/context/index.js';
import { lineReader } from '../../src/context/line-reader.js';
import { localizeFailures } from '../../src/context/localize.js';
import { packContext } from '../../src/context/pack.js';
import type { Failure } from '../../src/validation/failure.js';
import { makeRepo } from '../helpers.js';

const tsc = (file: string, line: number, code: string, message: string): Failure => ({
  tool: 'tsc',
  file,
  line,
  column: 1,
  code,
  severity: 'error',
  message,
});

describe('localization that holds on unseen code', () => {
  it('keeps the failing line inside its span when a long function is cut to fit', async () => {
    const body = Array.from(
      { length: 600 },
      (_, i) => `  const v${i} = input.values[${i}] * factor + offset; // step ${i}`,
    ).join('\n');
    const dir = makeRepo({
      files: {
        'src/big.ts': `export function big(input: { values: number[] }, factor: number, offset: number) {\n${body}\n  return v0;\n}\n`,
      },
    });
    const index = await buildIndex(dir);
    const lines = lineReader(dir);
    const failure = tsc('src/big.ts', 500, 'TS2304', "Cannot find name 'offst'.");
    const packed = packContext(
      localizeFailures(index, [failure], (p, l) => lines(p)?.[l - 1]),
      lines,
      1000,
    );
    expect(
      packed.spans.some((s) => s.path === 'src/big.ts' && s.startLine <= 500 && s.endLine >= 500),
    ).toBe(true);
    for (const s of packed.spans)
      expect(s.text.split('\n')[0]).toContain(`src/big.ts:${s.startLine}-${s.endLine}`);
  });

  it('never exceeds the token budget, separators included', () => {
    const text = Array.from({ length: 40 }, (_, i) => `export const value${i} = ${i};`);
    const candidates = Array.from({ length: 20 }, (_, i) => ({
      path: `f${i}.ts`,
      startLine: 1,
      endLine: 6,
      reason: 'r',
      score: 20 - i,
    }));
    for (let budget = 40; budget <= 400; budget += 3) {
      const packed = packContext(candidates, () => text, budget);
      expect(packed.tokens).toBeLessThanOrEqual(budget);
      expect(countTokens(packed.text)).toBe(packed.tokens);
    }
  });

  it('takes no identifiers from paths or module specifiers, so the checkout folder changes nothing', async () => {
    const files = {
      'src/util/isIterable.ts':
        'export function isIterable(x: unknown): boolean {\n  return x != null;\n}\n',
      'src/core/util.ts': 'export function core() {\n  return 1;\n}\n',
      'src/main.ts':
        "import { isIterble } from './util/isIterable';\nexport const a = isIterble([]);\n",
    };
    const spansFor = async (dir: string) => {
      const index = await buildIndex(dir);
      const lines = lineReader(dir);
      const f = tsc(
        'src/main.ts',
        1,
        'TS2724',
        `Module '"${dir}/src/util/isIterable"' has no exported member named 'isIterble'. Did you mean 'isIterable'? typeof import("${dir}/src/core/util")`,
      );
      return localizeFailures(index, [f], (p, l) => lines(p)?.[l - 1]);
    };
    const a = await spansFor(makeRepo({ files }));
    const b = await spansFor(makeRepo({ files }));
    expect(a.map((s) => s.reason)).toEqual(b.map((s) => s.reason));
    expect(a.some((s) => s.path === 'src/util/isIterable.ts')).toBe(true);
    expect(a.some((s) => /definition of (util|core|src)\b/.test(s.reason))).toBe(false);
  });

  it('ranks collateral implicit-any errors below their cause, and changed hunks first', async () => {
    const noise = Array.from(
      { length: 30 },
      (_, i) => `export function h${i}(a) {\n  return a;\n}`,
    ).join('\n');
    const dir = makeRepo({
      files: {
        'src/noise.ts': noise + '\n',
        'src/cause.ts': 'export function formatMony(n: number) {\n  return String(n);\n}\n',
        'src/use.ts': "import { formatMoney } from './cause';\nexport const s = formatMoney(1);\n",
      },
    });
    const index = await buildIndex(dir);
    const lines = lineReader(dir);
    const failures = [
      ...Array.from({ length: 30 }, (_, i) =>
        tsc('src/noise.ts', 3 * i + 1, 'TS7006', "Parameter 'a' implicitly has an 'any' type."),
      ),
      tsc(
        'src/use.ts',
        1,
        'TS2724',
        "Module './cause' has no exported member named 'formatMoney'. Did you mean 'formatMony'?",
      ),
    ];
    const hunks = new Map([['src/cause.ts', [{ start: 1, end: 1 }]]]);
    const packed = packContext(
      localizeFailures(index, failures, (p, l) => lines(p)?.[l - 1], { hunks }),
      lines,
      200,
    );
    expect(packed.spans.map((s) => s.path)).toContain('src/cause.ts');
    expect(packed.spans.map((s) => s.path)).toContain('src/use.ts');
  });
});
