// `npm run reliability`: runs test/reliability/ and prints, per checklist area, the scenarios and how
// many passed, the lines ruled out (with the reason and the test that keeps the reason true), and the
// budget stress figures the suite measured.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'distiq-reliability-')), 'report.json');
const run = spawnSync(
  process.execPath,
  [
    path.join(ROOT, 'node_modules/vitest/vitest.mjs'),
    'run',
    'test/reliability',
    '--reporter=json',
    `--outputFile=${out}`,
  ],
  { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, NO_COLOR: '1' } },
);
const report = JSON.parse(readFileSync(out, 'utf8'));

const ORDER = [
  'Who may trigger',
  'Secrets',
  'Prompt injection',
  'Git safety',
  'Budget under concurrency',
  'Provider faults',
  'Hostile provider',
  'Hostile ledger',
  'Hostile repo config',
  'Limits across Action runs',
  'Bad input and config',
  'Fault injection: a killed run loses nothing and the next run recovers',
  'Trust boundary',
  'Boundary attacks',
  '$0 fixer proposals are limited to the task scope',
  'Signals during validation',
  'One JSON object on every failure path',
];
const areas = new Map();
for (const file of report.testResults) {
  for (const t of file.assertionResults) {
    const area = t.ancestorTitles[0] ?? '(none)';
    const a = areas.get(area) ?? { scenarios: 0, passed: 0, failed: [] };
    a.scenarios++;
    if (t.status === 'passed') a.passed++;
    else a.failed.push(t.title);
    areas.set(area, a);
  }
}
const rows = [...areas.entries()].sort((x, y) => ORDER.indexOf(x[0]) - ORDER.indexOf(y[0]));
const table = (headers, body) => {
  const w = headers.map((h, i) => Math.max(h.length, ...body.map((r) => String(r[i]).length)));
  const line = (r) => `| ${r.map((c, i) => String(c).padEnd(w[i])).join(' | ')} |`;
  return [line(headers), `|${w.map((n) => '-'.repeat(n + 2)).join('|')}|`, ...body.map(line)].join(
    '\n',
  );
};
console.log('\n### Reliability checklist (../shared/reliability-checklist.md)\n');
console.log(
  table(
    ['area', 'scenarios', 'passed'],
    [
      ...rows.map(([area, a]) => [area, a.scenarios, a.passed]),
      [
        'total',
        rows.reduce((s, [, a]) => s + a.scenarios, 0),
        rows.reduce((s, [, a]) => s + a.passed, 0),
      ],
    ],
  ),
);

console.log('\n### Lines ruled out or met differently\n');
console.log(
  table(
    ['checklist line', 'why', 'kept true by'],
    [
      [
        'mid-stream `event: error`, streams without final usage, `stream_options.include_usage`',
        'distiq never streams: every call is one request with usage in the response',
        'Provider faults › ruled out: … never streams',
      ],
      [
        'batch jobs keep their reservation across runs',
        'batches are submitted and awaited within one run (reservations settle before it ends); no job submits a batch and exits yet',
        'test/providers (batch create → poll → results)',
      ],
      [
        'validation/agent job read-only, a separate job holds the push token',
        'the Action pushes itself, so one job holds contents: write; mitigated: persist-credentials false, the token reaches git only via GIT_CONFIG_* of git processes, validation commands get a scrubbed environment',
        'Secrets › example workflows…; Secrets › provider keys … never reach validation commands',
      ],
    ],
  ),
);

let figures = {};
try {
  figures = JSON.parse(
    readFileSync(path.join(ROOT, 'node_modules/.cache/distiq-reliability/figures.json'), 'utf8'),
  );
} catch {
  // the budget scenarios did not run
}
console.log('\n### Trust boundary\n');
const tb = figures.trustBoundary ?? {};
console.log(
  table(
    [
      'malicious-model edits refused',
      'refusals fed back to the model',
      'paths a proof changed, restored',
      'forged journals quarantined',
    ],
    [
      [
        tb.refusedEdits ?? '-',
        tb.refusalsFedBack ?? '-',
        tb.tamperedPathsRestored ?? '-',
        tb.forgedJournalsQuarantined ?? '-',
      ],
    ],
  ),
);
const ba = figures.boundaryAttacks ?? {};
console.log('\n### Boundary attacks (test/reliability/boundary-attacks.test.ts)\n');
console.log(
  table(
    ['hostile edit paths refused', 'hostile builds detected and undone'],
    [[ba.attacksRefused ?? '-', ba.attacksUndone ?? '-']],
  ),
);
console.log('\n### Budget stress\n');
console.log(
  table(
    [
      'scenario',
      'runs',
      'faults injected',
      'refused by the budget',
      'spent USD',
      'limit USD',
      'max overshoot USD',
    ],
    [
      [
        'in one process',
        figures.inProcess?.runs ?? '-',
        figures.inProcess?.faults ?? '-',
        figures.inProcess?.refused ?? '-',
        figures.inProcess?.spentUsd ?? '-',
        figures.inProcess?.limitUsd ?? '-',
        figures.inProcess?.overshootUsd ?? '-',
      ],
      [
        `${figures.crossProcess?.processes ?? 3} processes, one ledger`,
        figures.crossProcess?.runs ?? '-',
        '-',
        figures.crossProcess?.refused ?? '-',
        figures.crossProcess?.spentUsd ?? '-',
        figures.crossProcess?.limitUsd ?? '-',
        figures.crossProcess?.overshootUsd ?? '-',
      ],
      [
        'hostile provider (lying usage, HTML 200, stalls, 400)',
        figures.hostileProvider?.scenarios ?? '-',
        figures.hostileProvider?.scenarios ?? '-',
        '-',
        figures.hostileProvider?.maxLedgerUsd ?? '-',
        figures.hostileProvider?.limitUsd ?? '-',
        figures.hostileProvider?.overshootUsd ?? '-',
      ],
      [
        '2 Action runs, ledger through the Actions cache (daily limit)',
        figures.actionCache?.runs ?? '-',
        '-',
        figures.actionCache ? `${figures.actionCache.secondRunModelCalls === 0 ? 1 : 0} run` : '-',
        figures.actionCache?.spentUsd ?? '-',
        figures.actionCache?.dailyLimitUsd ?? '-',
        figures.actionCache
          ? Math.max(0, figures.actionCache.spentUsd - figures.actionCache.dailyLimitUsd)
          : '-',
      ],
    ],
  ),
);
for (const [area, a] of rows) for (const f of a.failed) console.log(`FAILED: ${area} › ${f}`);
process.exit(run.status ?? 1);
