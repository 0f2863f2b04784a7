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

  it('a backquoted name is named whatever its case, and function words match nothing', async () => {
    const files: Record<string, string> = {
      'src/retryer.ts': 'export class Retryer {\n  run() {}\n}\n',
    };
    // Noise whose only link to the task is an English function word (`to`, `an`, `the`).
    for (let i = 0; i < 12; i++)
      files[`src/convert${i}.ts`] =
        `export function toTheValue${i}(an: number) {\n  return an;\n}\n`;
    const index = await buildIndex(makeRepo({ files }));
    const top = localizeQuery(index, 'Add a limit to the `Retryer`', 30);
    expect(top[0]).toMatchObject({ path: 'src/retryer.ts', reason: 'Retryer, named in the task' });
    expect(top.some((s) => /convert/.test(s.path))).toBe(false);
  });

  it("the words of a line that names a symbol stay near it; another line's words reach the repo", async () => {
    const files: Record<string, string> = {
      'src/ops/debounce-time.ts':
        'import { type SchedulerOptions } from "../sched/options.js";\n' +
        'export function debounceTime(ms: number, o?: SchedulerOptions) {\n  return ms;\n}\n',
      'src/sched/options.ts': 'export interface SchedulerOptions {\n  delay: number;\n}\n',
      'src/http/fetch-options.ts':
        'export function mergeFetchOptions(a: object) {\n  return a;\n}\n',
      'src/cache/evict.ts': 'export function evictEntries(limit: number) {\n  return limit;\n}\n',
    };
    const index = await buildIndex(makeRepo({ files }));
    const paths = (q: string) => localizeQuery(index, q, 30).map((s) => s.path);
    const oneItem = paths('Add optional scheduler options to `debounceTime`');
    expect(oneItem).toContain('src/ops/debounce-time.ts');
    expect(oneItem).toContain('src/sched/options.ts');
    // `options` far from debounceTime says nothing about this item.
    expect(oneItem).not.toContain('src/http/fetch-options.ts');
    // A checklist's other item names nothing: its words are matched anywhere.
    const twoItems = paths('Add optional scheduler options to `debounceTime`\nEvict old entries');
    expect(twoItems).toContain('src/cache/evict.ts');
    expect(twoItems).not.toContain('src/http/fetch-options.ts');
  });

  it('a function word the repo defines as a name stays a term', async () => {
    const dir = makeRepo({
      files: {
        'src/iterate.ts': 'export function each(xs: number[], f: (x: number) => void) {}\n',
        'src/other.ts': 'export function unrelatedThing() {}\n',
      },
    });
    const top = localizeQuery(await buildIndex(dir), 'Stop early in each when asked', 5);
    expect(top[0]).toMatchObject({ path: 'src/iterate.ts' });
  });

  it('a path the text writes names its indexed file; its words stay near that file', async () => {
    const files: Record<string, string> = {
      'src/ops/window.ts':
        'export function loop(n: number) {\n  return n;\n}\nexport function tick() {}\n',
      'src/other/loop-helpers.ts': 'export function loopForever() {}\n',
    };
    const index = await buildIndex(makeRepo({ files }));
    const top = localizeQuery(index, 'In src/ops/window.ts, stop the loop early', 10);
    expect(top[0]).toMatchObject({ path: 'src/ops/window.ts', startLine: 1 });
    expect(top.map((s) => s.path)).not.toContain('src/other/loop-helpers.ts');
    // A path the index does not have names nothing: the words then match anywhere.
    const unknown = localizeQuery(index, 'In src/gone.ts, stop the loop early', 10);
    expect(unknown.map((s) => s.path)).toContain('src/other/loop-helpers.ts');
  });
});
