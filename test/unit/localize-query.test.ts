import { describe, expect, it } from 'vitest';
import { buildIndex } from '../../src/context/index.js';
import { localizeQuery } from '../../src/context/localize.js';
import { makeRepo } from '../helpers.js';

describe('query localization for implement', () => {
  it('ignores path words and ranks the named symbol and its neighbours first', async () => {
    const files: Record<string, string> = {
      'src/internal/ts/parse-options.ts':
        'import { normalizeFlag } from "../../flags/normalize.js";\n' +
        'export function parseOptions(raw: string[]) {\n  return raw.map(normalizeFlag);\n}\n',
      'src/flags/normalize.ts':
        'export function normalizeFlag(flag: string) {\n  return flag.trim();\n}\n',
    };
    // Noise: many definitions under folders whose names the task's path words match.
    for (let i = 0; i < 20; i++)
      files[`src/internal/ts/noise${i}.ts`] =
        `export function helper${i}(src: string) {\n  return src;\n}\n`;
    const index = await buildIndex(makeRepo({ files }));
    const top = localizeQuery(
      index,
      'In src/internal/ts/parse-options.ts, make parseOptions reject empty flags (internal ts src)',
      4,
    );
    expect(top[0]).toMatchObject({ path: 'src/internal/ts/parse-options.ts' });
    expect(top[0]!.reason).toContain('parseOptions, named in the task');
    expect(top.map((s) => s.path)).toContain('src/flags/normalize.ts');
    // No span is there only because a folder name or extension matched.
    expect(top.some((s) => /noise/.test(s.path))).toBe(false);
  });

  it('a plain-words task still finds definitions by name and file base name', async () => {
    const dir = makeRepo({
      files: {
        'src/retry.ts': 'export function withBackoff(fn: () => void) {}\n',
        'src/cache.ts': 'export function evictOldEntries(limit: number) {}\n',
      },
    });
    const top = localizeQuery(await buildIndex(dir), 'Add jitter to the retry helper', 5);
    expect(top[0]).toMatchObject({ path: 'src/retry.ts' });
  });
});
