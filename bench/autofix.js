// Autofix on real code: registry TypeScript sources broken on purpose, repaired by `distiq fix --build`
// at $0. Baseline measured in the same run: one plain `tsc -p .` on the same host.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { applyBreakage, findBreakages, pick } from './breakages.js';
import { BIN, ROOT, git, hostRepo, median, rng, table, timeMs, tsFiles } from './lib.js';

const HOSTS = ['redux@5', 'immer@11'];

export function benchAutofix({ perKind = 8, hosts = HOSTS } = {}) {
  const rows = [];
  const totals = {};
  for (const spec of hosts) {
    const dir = hostRepo(spec);
    const base = git(dir, 'rev-parse', 'HEAD').trim();
    const tscMs = median(
      [0, 1, 2].map(() =>
        timeMs(() =>
          spawnSync(path.join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json'], {
            cwd: dir,
          }),
        ),
      ),
    );
    const rand = rng(0x5eed + spec.length);
    const found = findBreakages(dir, tsFiles(dir), rand);
    const kinds = {
      'misspelled identifier': found.misspell,
      'dropped import': found.dropImport,
      'renamed declaration': found.rename,
    };
    for (const [kind, candidates] of Object.entries(kinds)) {
      const results = [];
      for (const b of pick(candidates, perKind, rand)) {
        const { abs, text } = applyBreakage(dir, b);
        writeFileSync(abs, text);
        git(dir, 'commit', '-qam', `break: ${b.note}`);
        const run = spawnSync(process.execPath, [BIN, 'fix', '--build', '--json', '--cwd', dir], {
          encoding: 'utf8',
          env: { ...process.env, CI: 'true' },
        });
        let report;
        try {
          report = JSON.parse(run.stdout);
        } catch {
          report = { status: 'crash', durationMs: 0 };
        }
        git(dir, 'reset', '-q', '--hard', base);
        if (report.failuresBefore === 0) continue; // the edit happened to still compile: not a case
        const why =
          report.status === 'fixed'
            ? ''
            : ` [${report.status}${report.error ? `: ${report.error.message}` : ''}${report.remaining?.length ? `: ${report.remaining[0].message.split('\n')[0]}` : ''}]`;
        results.push({
          repaired: report.status === 'fixed',
          ms: report.durationMs,
          note: b.note + why,
        });
      }
      const ok = results.filter((r) => r.repaired).length;
      const t = (totals[kind] ??= { ok: 0, n: 0 });
      t.ok += ok;
      t.n += results.length;
      const med = median(results.map((r) => r.ms));
      rows.push([
        spec,
        kind,
        `${ok}/${results.length}`,
        pct(ok, results.length),
        med.toFixed(0),
        tscMs.toFixed(0),
        (med / tscMs).toFixed(1) + '×',
      ]);
      const missed = results.filter((r) => !r.repaired).map((r) => r.note);
      if (missed.length) console.error(`  ${spec} ${kind} not repaired: ${missed.join('; ')}`);
    }
  }
  table(
    'Autofix ($0 tier) on real TypeScript from the npm registry',
    ['host', 'breakage', 'repaired', '%', 'median ms/case', 'tsc -p . ms (baseline)', 'case / tsc'],
    rows,
  );
  const summary = Object.entries(totals).map(([kind, t]) => [
    kind,
    `${t.ok}/${t.n}`,
    pct(t.ok, t.n),
    kind === 'renamed declaration'
      ? '(no target)'
      : t.n && t.ok / t.n >= 0.9
        ? 'ok (≥ 90%)'
        : 'BELOW TARGET',
  ]);
  table('Autofix totals', ['breakage', 'repaired', '%', 'target'], summary);
  return { rows, totals };
}

function pct(a, b) {
  return b === 0 ? 'n/a' : `${((100 * a) / b).toFixed(0)}%`;
}
