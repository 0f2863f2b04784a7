// Localization on real code: registry TypeScript broken on purpose; is the span that must change inside
// the packed context at 2K, 4K and 8K tokens? Baseline in the same run: the whole files named in the
// errors, in order, cut to the same budget.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { countTokens } from 'gpt-tokenizer';
import { buildIndex } from '../dist/context/index.js';
import { lineReader } from '../dist/context/line-reader.js';
import { localizeFailures } from '../dist/context/localize.js';
import { packContext } from '../dist/context/pack.js';
import { parseFailures } from '../dist/validation/parsers/index.js';
import { runCommand } from '../dist/validation/run-command.js';
import { applyBreakage, findBreakages, pick } from './breakages.js';
import { git, hostRepo, median, rng, table, tsFiles } from './lib.js';

const BUDGETS = [2000, 4000, 8000];

function lineOfOffset(text, offset) {
  let n = 1;
  for (let i = 0; i < offset; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}

export async function benchLocalize({
  perKind = 4,
  hosts = ['redux@5', 'immer@11', '@tanstack/query-core@5'],
} = {}) {
  const results = [];
  for (const spec of hosts) {
    const dir = hostRepo(spec);
    const base = git(dir, 'rev-parse', 'HEAD').trim();
    const rand = rng(0xc0de + spec.length);
    const found = findBreakages(dir, tsFiles(dir), rand);
    const kinds = {
      'renamed declaration': found.rename,
      'added required parameter': found.addParam,
      'removed interface member': found.removeMember,
      'changed property type': found.changeType,
      'misspelled identifier': found.misspell,
      'dropped import': found.dropImport,
    };
    await buildIndex(dir); // warm the cache: each case re-parses only the edited file
    for (const [kind, candidates] of Object.entries(kinds)) {
      for (const b of pick(candidates, perKind, rand)) {
        const original = readFileSync(path.join(dir, b.file), 'utf8');
        const { abs, text } = applyBreakage(dir, b);
        writeFileSync(abs, text);
        const causeLine = b.causeLine ?? lineOfOffset(original, (b.edits?.[0] ?? b).start);
        const out = await runCommand('tsc -p tsconfig.json', { cwd: dir, timeoutMs: 120_000 });
        const failures = parseFailures(out.output, { root: dir }).filter((f) => f.tool === 'tsc');
        if (failures.length > 0) {
          const index = await buildIndex(dir);
          const lines = lineReader(dir);
          const candidates = localizeFailures(index, failures, (p, l) => lines(p)?.[l - 1]);
          const row = { host: spec, kind, ours: {}, naive: {}, size: 0 };
          for (const budget of BUDGETS) {
            const packed = packContext(candidates, lines, budget);
            row.ours[budget] = packed.spans.some(
              (s) => s.path === b.file && s.startLine <= causeLine && s.endLine >= causeLine,
            );
            if (budget === 8000) row.size = packed.tokens;
            row.naive[budget] = naiveContains(failures, lines, budget, b.file, causeLine);
          }
          results.push(row);
          if (process.env.DISTIQ_BENCH_DEBUG && !row.ours[8000]) {
            const packed = packContext(candidates, lines, 8000);
            console.error(
              `MISS ${spec} ${kind} ${b.note} cause ${b.file}:${causeLine}; ${failures.length} failure(s), first: ${failures[0].file}:${failures[0].line} ${failures[0].message.split('\n')[0]}`,
            );
            for (const s of packed.spans)
              console.error(
                `   ${s.path}:${s.startLine}-${s.endLine} score ${s.score.toFixed(1)} ${s.reason.slice(0, 100)}`,
              );
          }
        }
        git(dir, 'checkout', '-q', base, '--', '.');
      }
    }
  }
  const kindsSeen = [...new Set(results.map((r) => r.kind))];
  const pct = (xs) =>
    xs.length ? `${Math.round((100 * xs.filter(Boolean).length) / xs.length)}%` : 'n/a';
  const rows = kindsSeen.map((k) => {
    const rs = results.filter((r) => r.kind === k);
    return [
      k,
      rs.length,
      ...BUDGETS.map((b) => `${pct(rs.map((r) => r.ours[b]))} / ${pct(rs.map((r) => r.naive[b]))}`),
      Math.round(median(rs.map((r) => r.size))),
    ];
  });
  rows.push([
    'all',
    results.length,
    ...BUDGETS.map(
      (b) => `${pct(results.map((r) => r.ours[b]))} / ${pct(results.map((r) => r.naive[b]))}`,
    ),
    Math.round(median(results.map((r) => r.size))),
  ]);
  table(
    `Localization on real TypeScript (${[...new Set(results.map((r) => r.host))].join(', ')}): cause span inside the context, distiq / whole-files baseline`,
    ['breakage', 'cases', '2K', '4K', '8K', 'median distiq context (tokens)'],
    rows,
  );
  const FAR = new Set([
    'renamed declaration',
    'added required parameter',
    'removed interface member',
    'changed property type',
  ]);
  const cell = (rs) => `${pct(rs.map((r) => r.ours[4000]))} of ${rs.length}`;
  table(
    'Localization per host at 4K tokens: cause span inside the context (errors away from the cause = renamed declaration, added parameter, removed member, changed type)',
    ['host', 'all', 'errors at the cause', 'errors away from the cause'],
    [...new Set(results.map((r) => r.host)), null].map((h) => {
      const rs = results.filter((r) => h === null || r.host === h);
      return [
        h ?? 'all',
        cell(rs),
        cell(rs.filter((r) => !FAR.has(r.kind))),
        cell(rs.filter((r) => FAR.has(r.kind))),
      ];
    }),
  );
  return results;
}

/** The naive baseline: whole files named by the errors, in order of appearance, cut to the budget. */
function naiveContains(failures, lines, budget, causeFile, causeLine) {
  let used = 0;
  for (const f of [...new Set(failures.map((x) => x.file).filter(Boolean))]) {
    const ls = lines(f);
    if (!ls) continue;
    let n = 0;
    for (; n < ls.length; n++) {
      const cost = countTokens(ls[n]) + 1;
      if (used + cost > budget) break;
      used += cost;
    }
    if (f === causeFile && causeLine <= n) return true;
    if (n < ls.length) return false;
  }
  return false;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const arg = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
  await benchLocalize({
    perKind: Number(arg('--per-kind') ?? 4),
    hosts: arg('--hosts')?.split(','),
  });
}
