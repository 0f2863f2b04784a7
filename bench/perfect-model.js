// `node bench/perfect-model.js`: the model stage of `distiq fix` against a SCRIPTED PERFECT MODEL.
// Each breakage of bench/breakages.js is committed on a green registry host (HEAD~1 is green, as in
// CI); `distiq fix --build --tiers cheap` then runs as a user runs it, its cheap tier pointed at a
// loopback OpenAI-compatible server (the test suite's own). The scripted model knows the inverse of
// the breakage, and answers it (search/replace, distiq's edit format) only when every text it must
// change is in the prompt; otherwise it answers an edit that cannot apply. So the resolve rate
// measures distiq's localization, prompt and ladder, not a model; calls per case measure the ladder.
// The same run reports localization at the fix's real context: is the changed span in the prompt of
// the first request (and of any request), with `models.contextTokens` at 4,000.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applyBreakage, findBreakages, pick } from './breakages.js';
import { loopbackOpenAI } from './loopback.js';
import { BIN, git, hostRepo, median, rng, table, tsFiles } from './lib.js';

export const PERFECT_HOSTS = ['redux@5', 'immer@11', '@tanstack/query-core@5', 'semver@7'];

/** Kinds whose inverse is a text edit (a moved file's inverse is a move, not a search/replace). */
const KINDS = {
  'misspelled identifier': 'misspell',
  'dropped import': 'dropImport',
  'renamed declaration': 'rename',
  'renamed declaration (far: xImpl)': 'renameFar',
  'overload implementation renamed': 'overloadImpl',
  // Errors away from the cause: at the callers / users, the cause in the declaration.
  'added required parameter': 'addParam',
  'removed interface member': 'removeMember',
  'changed property type': 'changeType',
};

/** Kinds whose errors show up in other files than the cause (the users of what changed). */
const AWAY = new Set([
  'renamed declaration',
  'renamed declaration (far: xImpl)',
  'added required parameter',
  'removed interface member',
  'changed property type',
]);

const lineStart = (text, i) => (i <= 0 ? 0 : text.lastIndexOf('\n', i - 1) + 1);
const lineEnd = (text, i) => {
  const n = text.indexOf('\n', i);
  return n < 0 ? text.length : n;
};

/**
 * The inverse of a breakage as search/replace edits on the broken file: per changed range, the
 * whole broken lines (`core`, what must be in the prompt) and the original lines, widened by whole
 * lines until the search text occurs once in the broken file.
 */
export function inverseEdits(original, b) {
  const edits = [...(b.edits ?? [{ start: b.start, end: b.end, replacement: b.replacement }])].sort(
    (x, y) => x.start - y.start,
  );
  const broken = edits.reduceRight(
    (t, e) => t.slice(0, e.start) + e.replacement + t.slice(e.end),
    original,
  );
  // Ranges in the broken text, merged when they share a line.
  const ranges = [];
  let delta = 0;
  for (const e of edits) {
    const bs = e.start + delta;
    const be = bs + e.replacement.length;
    const os_ = e.start;
    const oe = e.end;
    delta += e.replacement.length - (e.end - e.start);
    const last = ranges.at(-1);
    if (last && lineStart(broken, bs) <= last.be) {
      last.be = be;
      last.oe = oe;
    } else ranges.push({ bs, be, os: os_, oe });
  }
  const widened = ranges.map((r) => {
    let s = lineStart(broken, r.bs);
    let e = lineEnd(broken, r.be);
    let core = broken.slice(s, e);
    for (let i = 0; i < 50; i++) {
      const search = broken.slice(s, e);
      if (search.trim() && broken.indexOf(search) === broken.lastIndexOf(search)) break;
      if (s > 0) s = lineStart(broken, s - 1);
      if (e < broken.length) e = lineEnd(broken, e + 1);
    }
    if (core.trim() === '') core = broken.slice(s, e); // a dropped line: its neighbours show where
    // The same offsets in the original: text before the range is unchanged; after it, shifted.
    return { s, e, cores: [core], shiftStart: r.bs - r.os, shiftEnd: r.be - r.oe };
  });
  // Widened ranges that overlap become one edit (overload signatures look alike).
  const merged = [];
  for (const w of widened) {
    const last = merged.at(-1);
    if (last && w.s <= last.e) {
      last.e = Math.max(last.e, w.e);
      last.cores.push(...w.cores);
      last.shiftEnd = w.shiftEnd;
    } else merged.push(w);
  }
  return merged.map((w) => ({
    path: b.file,
    search: broken.slice(w.s, w.e),
    replace: original.slice(w.s - w.shiftStart, w.e - w.shiftEnd),
    cores: w.cores,
  }));
}

/** The scripted perfect model: the inverse edits when all their broken lines are in the prompt. */
function perfectModel(state) {
  return (body) => {
    const prompt = body.messages.map((m) => m.content).join('\n');
    const c = state.current;
    const sees = c.inverse.every((e) => e.cores.every((core) => prompt.includes(core)));
    c.calls++;
    c.seen.push(sees);
    const edits = sees
      ? c.inverse.map(({ path: p, search, replace }) => ({ path: p, search, replace }))
      : [{ path: c.file, search: '/* text the scripted model could not see */', replace: '' }];
    return { content: JSON.stringify({ edits }) };
  };
}

function runFix(dir, tiers) {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [BIN, 'fix', '--build', '--json', '--tiers', tiers, '--cwd', dir],
      { env: { ...process.env, CI: 'true', DISTIQ_TRUST_REPO_CONFIG: '1' } },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', () => {
      try {
        resolve({ report: JSON.parse(out), stderr: err });
      } catch {
        resolve({ report: { status: 'crash' }, stderr: err });
      }
    });
  });
}

export async function benchPerfectModel({
  perKind = 2,
  hosts = PERFECT_HOSTS,
  only = null,
  match = null,
  tiers = 'cheap',
  contextTokens = 4000,
  log = () => {},
} = {}) {
  const state = { current: null };
  const server = await loopbackOpenAI(perfectModel(state));
  const cases = [];
  try {
    for (const spec of hosts) {
      const dir = hostRepo(spec);
      const rc = JSON.parse(readFileSync(path.join(dir, '.distiqrc.json'), 'utf8'));
      writeFileSync(
        path.join(dir, '.distiqrc.json'),
        JSON.stringify({
          ...rc,
          providers: { loop: { type: 'openai-compatible', baseURL: server.url, free: true } },
          tiers: { cheap: [{ provider: 'loop', model: 'scripted-perfect-model' }] },
          models: { contextTokens },
        }),
      );
      git(dir, 'commit', '-qam', 'scripted perfect model as the cheap tier');
      const base = git(dir, 'rev-parse', 'HEAD').trim();
      const rand = rng(0x9e4f + spec.length);
      const found = findBreakages(dir, tsFiles(dir), rand);
      for (const [kind, key] of Object.entries(KINDS)) {
        if (only && !only.some((k) => kind.startsWith(k))) continue;
        let n = 0;
        for (const b of pick(
          found[key].filter((x) => !match || x.note.includes(match)),
          perKind * 3,
          rand,
        )) {
          if (n >= perKind) break;
          const original = readFileSync(path.join(dir, b.file), 'utf8');
          const { abs, text } = applyBreakage(dir, b);
          const inverse = inverseEdits(original, b);
          writeFileSync(abs, text);
          git(dir, 'commit', '-qam', `break: ${b.note}`);
          state.current = { file: b.file, inverse, calls: 0, seen: [] };
          const { report, stderr } = await runFix(dir, tiers);
          const asGreen = git(dir, 'diff', '--name-only', base, '--', 'src').trim() === '';
          git(dir, 'reset', '-q', '--hard', base);
          git(dir, 'clean', '-qfd', 'src');
          if (report.failuresBefore === 0) continue; // still compiles: not a case
          n++;
          const c = state.current;
          const row = {
            host: spec,
            kind,
            note: b.note,
            resolved: report.status === 'fixed' && asGreen,
            status: report.status,
            calls: c.calls,
            firstSees: c.seen[0] ?? false,
            anySees: c.seen.some(Boolean),
            tasks: report.tasks?.length ?? 0,
            why: (report.repairs ?? [])
              .filter((r) => r.outcome !== 'kept')
              .map((r) => r.reason)
              .join(' | ')
              .slice(0, 300),
          };
          cases.push(row);
          log(
            `${spec} ${kind}: ${b.note}: ${row.resolved ? 'resolved' : `NOT resolved (${report.status})`}, ${c.calls} call(s), span in first prompt: ${row.firstSees}, in any: ${row.anySees}, ${row.tasks} task(s)${row.why ? `; not kept: ${row.why}` : ''}`,
          );
          if (report.status === 'error' || report.status === 'crash')
            log(`  ${JSON.stringify(report.error ?? '')} ${stderr.slice(-400)}`);
        }
      }
    }
  } finally {
    await server.close();
  }
  report(cases, { tiers, contextTokens });
  return cases;
}

function pct(xs) {
  return xs.length ? `${Math.round((100 * xs.filter(Boolean).length) / xs.length)}%` : 'n/a';
}

function summarize(label, rs) {
  return [
    label,
    rs.length,
    `${rs.filter((r) => r.resolved).length}/${rs.length}`,
    pct(rs.map((r) => r.resolved)),
    median(rs.map((r) => r.calls)),
    rs.reduce((a, r) => a + r.calls, 0),
    pct(rs.map((r) => r.firstSees)),
    pct(rs.map((r) => r.anySees)),
  ];
}

function report(cases, { tiers, contextTokens }) {
  const head = [
    'cases',
    'resolved as green',
    '%',
    'median calls/case',
    'calls',
    'span in 1st prompt',
    'span in any prompt',
  ];
  const hosts = [...new Set(cases.map((c) => c.host))];
  const kinds = [...new Set(cases.map((c) => c.kind))];
  const title = `(\`fix --build --tiers ${tiers}\`, models.contextTokens ${contextTokens})`;
  table(
    `Scripted perfect model, per kind ${title}`,
    ['breakage', ...head],
    [
      ...kinds.map((k) =>
        summarize(
          k,
          cases.filter((c) => c.kind === k),
        ),
      ),
      summarize('all', cases),
    ],
  );
  table(
    `Scripted perfect model, per host ${title}`,
    ['host', ...head],
    [
      ...hosts.map((h) =>
        summarize(
          h,
          cases.filter((c) => c.host === h),
        ),
      ),
      summarize('all', cases),
    ],
  );
  // Localization at the fix's own context, split by where the errors appear.
  const away = (c) => AWAY.has(c.kind);
  table(
    `Localization in the fix's own prompts ${title}: the span that must change is in the first prompt`,
    ['host', 'all cases', 'errors at the cause', 'errors away from the cause'],
    [...hosts, null].map((h) => {
      const rs = cases.filter((c) => h === null || c.host === h);
      const cell = (xs) => `${pct(xs.map((c) => c.firstSees))} of ${xs.length}`;
      return [h ?? 'all', cell(rs), cell(rs.filter((c) => !away(c))), cell(rs.filter(away))];
    }),
  );
  const all = summarize('all', cases);
  const rate = cases.filter((c) => c.resolved).length / Math.max(1, cases.length);
  console.log(
    `\ntargets: resolve ≥ 95%: ${all[3]} ${rate >= 0.95 ? 'ok' : 'MISSED'}; median calls per case = 1: ${all[4]} ${all[4] === 1 ? 'ok' : 'MISSED'}; span in context ≥ 95%: ${all[6]} (first prompt)`,
  );
  const missed = cases.filter((c) => !c.resolved || c.calls > 1 || !c.firstSees);
  for (const c of missed)
    console.log(
      `  ${c.host} ${c.kind}: ${c.note}: ${c.resolved ? 'resolved' : `not resolved (${c.status})`}, ${c.calls} call(s) in ${c.tasks} task(s), span in first prompt ${c.firstSees}, any ${c.anySees}${c.why ? `; not kept: ${c.why}` : ''}`,
    );
  console.log(
    `load average at the end: ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const arg = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
  console.log(
    `distiq scripted-perfect-model benchmark · node ${process.version} · ${new Date().toISOString()} · load ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
  );
  await benchPerfectModel({
    perKind: Number(arg('--per-kind') ?? 2),
    hosts: arg('--hosts')?.split(',') ?? PERFECT_HOSTS,
    only: arg('--kinds')?.split(',') ?? null,
    match: arg('--match') ?? null,
    tiers: arg('--tiers') ?? 'cheap',
    contextTokens: Number(arg('--context-tokens') ?? 4000),
    log: (m) => console.error(m),
  });
}
