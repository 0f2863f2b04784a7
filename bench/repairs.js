// `npm run bench:repairs`: $0 repairs on real registry code, per host and breakage kind.
// Each breakage is committed on top of the green host, so the last green commit is HEAD~1 as in
// CI; `distiq fix --build` then runs as a user would run it. A case is "repaired" when the build
// passes, "exact" when the tree is the green tree again, and a "wrong repair kept" when distiq
// reports it fixed (or kept edits) but the tree differs from the green one.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { applyBreakage, findBreakages, pick } from './breakages.js';
import { BIN, git, hostRepo, median, rng, table, tsFiles } from './lib.js';

export const REPAIR_HOSTS = [
  'redux@5',
  'immer@11',
  '@tanstack/query-core@5',
  '@tanstack/table-core@8',
  'rxjs@7',
  'semver@7',
];

export function benchRepairs({
  perKind = 3,
  hosts = REPAIR_HOSTS,
  only = null,
  match = null,
  log = () => {},
} = {}) {
  const rows = [];
  const totals = {};
  let wrong = 0;
  for (const spec of hosts) {
    const dir = hostRepo(spec);
    const base = git(dir, 'rev-parse', 'HEAD').trim();
    const rand = rng(0x5eed + spec.length);
    const found = findBreakages(dir, tsFiles(dir), rand);
    const kinds = {
      'misspelled identifier': found.misspell,
      'dropped import': found.dropImport,
      'renamed declaration': found.rename,
      'renamed declaration (far: xImpl)': found.renameFar,
      'overload implementation renamed': found.overloadImpl,
      'moved file': found.moveFile,
    };
    for (const [kind, candidates] of Object.entries(kinds)) {
      if (only && !only.some((k) => kind.startsWith(k))) continue;
      const results = [];
      const drawn = match ? candidates.filter((c) => c.note.includes(match)) : candidates;
      for (const b of pick(drawn, perKind * 2, rand)) {
        if (results.length >= perKind) break;
        if (b.move) {
          mkdirSync(path.join(dir, path.dirname(b.move.to)), { recursive: true });
          git(dir, 'mv', b.move.from, b.move.to);
        } else {
          const { abs, text } = applyBreakage(dir, b);
          writeFileSync(abs, text);
        }
        git(dir, 'commit', '-qam', `break: ${b.note}`);
        const run = spawnSync(process.execPath, [BIN, 'fix', '--build', '--json', '--cwd', dir], {
          encoding: 'utf8',
          env: { ...process.env, CI: 'true' },
        });
        let report;
        try {
          report = JSON.parse(run.stdout);
        } catch {
          report = { status: 'crash', durationMs: 0, changedFiles: [] };
        }
        const exact = sameAsGreen(dir, base, b.move);
        git(dir, 'reset', '-q', '--hard', base);
        git(dir, 'clean', '-qfd', 'src');
        if (report.failuresBefore === 0) continue; // the edit happened to still compile: not a case
        const repaired = report.status === 'fixed';
        const isWrong = (repaired || report.changedFiles?.length > 0) && !exact;
        if (isWrong) wrong++;
        const why = repaired
          ? exact
            ? ''
            : ' [WRONG: builds but differs from the green tree]'
          : ` [${report.status}${report.remaining?.length ? `: ${report.remaining[0].message.split('\n')[0]}` : ''}]`;
        results.push({
          repaired,
          exact,
          wrong: isWrong,
          ms: report.durationMs ?? 0,
          note: b.note + why,
        });
        log(`${spec} ${kind}: ${b.note}${why || ' ok'} (${report.durationMs} ms)`);
        if (report.status === 'error' || report.status === 'crash')
          log(
            `  ${JSON.stringify(report.error ?? report.message ?? '')} ${run.stderr.slice(-400)}`,
          );
      }
      if (results.length === 0) continue;
      const ok = results.filter((r) => r.repaired && r.exact).length;
      const t = (totals[kind] ??= { ok: 0, n: 0, js: { ok: 0, n: 0 }, ts: { ok: 0, n: 0 } });
      t.ok += ok;
      t.n += results.length;
      const lang = spec === 'semver@7' ? t.js : t.ts;
      lang.ok += ok;
      lang.n += results.length;
      rows.push([
        spec,
        kind,
        `${ok}/${results.length}`,
        pct(ok, results.length),
        results.filter((r) => r.wrong).length,
        median(results.map((r) => r.ms)).toFixed(0),
      ]);
      const missed = results.filter((r) => !r.repaired || !r.exact).map((r) => r.note);
      if (missed.length)
        console.error(`  ${spec} ${kind} not repaired exactly: ${missed.join('; ')}`);
    }
  }
  table(
    '$0 repairs on registry code (breakage committed on a green host; `distiq fix --build`)',
    ['host', 'breakage', 'repaired as green', '%', 'wrong repairs kept', 'median ms/case'],
    rows,
  );
  const target = (kind, t) => (t.n === 0 ? 'n/a' : t.ok / t.n >= 0.9 ? 'ok (≥ 90%)' : 'BELOW 90%');
  const summary = Object.entries(totals).map(([kind, t]) => [
    kind,
    `${t.ok}/${t.n}`,
    pct(t.ok, t.n),
    `${t.ts.ok}/${t.ts.n}`,
    `${t.js.ok}/${t.js.n}`,
    target(kind, t),
  ]);
  summary.push(['wrong repairs kept', wrong, '', '', '', wrong === 0 ? 'ok (0)' : 'ABOVE TARGET']);
  table(
    '$0 repair totals',
    ['breakage', 'repaired as green', '%', 'TypeScript', 'JavaScript', 'target'],
    summary,
  );
  return { rows, totals, wrong };
}

/**
 * The tree is the green one again, up to formatting and order: the same tokens in every file
 * (an import re-added elsewhere or with other quotes or a `.js` ending is the same repair).
 * After a move the moved file stays where the author put it and only relative specifiers may
 * differ from the green tree (the build proves they resolve).
 */
function sameAsGreen(dir, base, move) {
  const changed = git(dir, 'diff', '--name-only', base, '--', 'src').split('\n').filter(Boolean);
  const untracked = git(dir, 'ls-files', '--others', '--exclude-standard', 'src')
    .split('\n')
    .filter(Boolean);
  if (untracked.length > 0) return false;
  const specifiers = (text) =>
    move ? text.replace(/(['"`])\.{1,2}(\/[^'"`]*)?\1/g, '"REL"') : text;
  const tokens = (text) =>
    [
      ...specifiers(text)
        .replace(/(['"`])(\.{1,2}\/[^'"`]*?)(\.[cm]?[jt]s)?\1/g, '"$2"')
        .matchAll(/[\w$]+|"[^"]*"/g),
    ]
      .map((m) => m[0])
      .sort()
      .join(' ');
  if (move && (existsSync(path.join(dir, move.from)) || !existsSync(path.join(dir, move.to))))
    return false;
  for (const f of changed) {
    if (move && f === move.from) continue;
    const was = move && f === move.to ? move.from : f;
    let now = '';
    try {
      now = readFileSync(path.join(dir, f), 'utf8');
    } catch {
      return false;
    }
    if (tokens(now) !== tokens(git(dir, 'show', `${base}:${was}`))) return false;
  }
  return true;
}

function pct(a, b) {
  return b === 0 ? 'n/a' : `${((100 * a) / b).toFixed(0)}%`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const hostArg = args.includes('--hosts')
    ? args[args.indexOf('--hosts') + 1].split(',')
    : REPAIR_HOSTS;
  const perKind = args.includes('--per-kind')
    ? Number(args[args.indexOf('--per-kind') + 1])
    : args.includes('--quick')
      ? 2
      : 3;
  const only = args.includes('--kinds') ? args[args.indexOf('--kinds') + 1].split(',') : null;
  // `--match TEXT`: only the candidates whose note contains TEXT (to re-run one case).
  const match = args.includes('--match') ? args[args.indexOf('--match') + 1] : null;
  console.log(`distiq $0 repair benchmark · node ${process.version} · ${new Date().toISOString()}`);
  benchRepairs({ perKind, hosts: hostArg, only, match, log: (m) => console.error(m) });
}
