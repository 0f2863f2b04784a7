// Fix memory on real code: hosts from real npm TypeScript sources (bench/lib.js hostRepo), broken
// by the project's own breakage generator (bench/breakages.js), repaired by a scripted model that
// knows the intended name and charges claude-haiku-4-5's list price per call; real tsc proves
// every repair. Each sequence runs without and with memory in this process. Scenarios: (a) the
// same failure again (3 re-runs); (b) the same misspelling at 3 sites in different files, in
// successive commits; (c) an exported declaration renamed, breaking its dependents. Wrong fixes
// kept: files that end different from the run without memory (and, for a/b, from the original).
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { applyBreakage, findBreakages } from './breakages.js';
import { git, hostRepo, ROOT, rng, table, tsFiles } from './lib.js';

const dist = (p) => import(pathToFileURL(path.join(ROOT, 'dist', p)).href);
const [
  { FixMemory },
  { learnRepairs, runMemoryTier },
  { loadPathPolicy },
  { validate },
  { applyEdits },
  { judgeRepair },
  { resolveEdits },
  { PriceBook },
  { resolveCommands },
  { selectCommands },
  { loadConfig },
] = await Promise.all(
  [
    'memory/fix-memory.js',
    'memory/memory-tier.js',
    'edits/path-policy.js',
    'validation/validate.js',
    'edits/apply-edits.js',
    'validation/judge-repair.js',
    'edits/edit-format.js',
    'budget/prices.js',
    'detect/commands.js',
    'validation/select-commands.js',
    'config/load.js',
  ].map(dist),
);
const PRICE = new PriceBook({}).cost(
  { pricingProvider: 'anthropic', model: 'claude-haiku-4-5' },
  {
    inputTokens: 6000,
    outputTokens: 600,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    cacheWrite1hTokens: 0,
  },
);
const MAX_CALLS = 40;

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const token = (name) => new RegExp(`(?<![\\w$])${escape(name)}(?![\\w$])`, 'g');

/**
 * The scripted model's answer for one failure: its line with `bad` → `good` (an import of a
 * renamed export: `good as bad`), with neighbouring lines until the search is unique.
 */
function scriptedEdit(dir, f, bad, good) {
  // A renamed export: the importer imports it under its old local name (uses stay valid).
  const alias = f.code === 'TS2724' || f.code === 'TS2305';
  const text = readFileSync(path.join(dir, f.file), 'utf8');
  const lines = text.split('\n');
  const row = (f.line ?? 0) - 1;
  if (!lines[row] || !token(bad).test(lines[row])) return null;
  for (let n = 0; n <= 6; n++) {
    const lo = Math.max(0, row - n);
    const hi = Math.min(lines.length, row + n + 1);
    const search = lines.slice(lo, hi).join('\n');
    if (text.indexOf(search) === text.lastIndexOf(search)) {
      const replace = [
        ...lines.slice(lo, row),
        lines[row].replace(token(bad), alias ? `${good} as ${bad}` : good),
        ...lines.slice(row + 1, hi),
      ].join('\n');
      return { path: f.file, search, replace };
    }
  }
  return null;
}

/** Steps: `apply(dir)` writes a breakage; the model maps `bad` → `good` on each failing line. */
async function runSequence(spec, steps, withMemory) {
  const dir = hostRepo(spec);
  const memory = new FixMemory(path.join(dir, '.git', 'bench-memory.json'));
  const COMMANDS = selectCommands(resolveCommands(dir, (await loadConfig(dir)).config), ['build']);
  let calls = 0;
  let rejected = 0;
  let unsolved = 0;
  const started = performance.now();
  for (const step of steps) {
    step.apply(dir);
    let current = await validate(COMMANDS, { root: dir, secretEnvVars: [] });
    const prove = async (edits) => {
      const applied = await applyEdits(dir, edits, { policy: loadPathPolicy(dir) });
      const after = await validate(COMMANDS, { root: dir, secretEnvVars: [] });
      const v = judgeRepair(current, after);
      if (!v.keep) {
        await applied.rollback();
        return { kept: false, reason: v.reason };
      }
      await applied.keep();
      const fixed = current.failures.filter(
        (f) =>
          !after.failures.some(
            (a) => a.file === f.file && a.message === f.message && a.line === f.line,
          ),
      );
      current = after;
      return { kept: true, reason: v.reason, fixed, after: after.failures };
    };
    const skipped = new Set();
    while (!current.ok && calls < MAX_CALLS) {
      if (withMemory && memory.all().length > 0) {
        await runMemoryTier({
          root: dir,
          memory,
          current: () => current.failures,
          allowWorkflowEdits: false,
          prove: (p) => prove(p.edits),
        });
        if (current.ok) break;
      }
      const f = current.failures.find((x) => !skipped.has(`${x.file}:${x.line}:${x.message}`));
      if (!f) break;
      const hunk = f.file ? scriptedEdit(dir, f, step.bad, step.good) : null;
      if (!hunk) {
        skipped.add(`${f.file}:${f.line}:${f.message}`);
        continue;
      }
      calls++;
      const edits = resolveEdits(dir, [hunk]);
      const r = await prove(edits);
      if (!r.kept) {
        rejected++;
        skipped.add(`${f.file}:${f.line}:${f.message}`);
        continue;
      }
      learnRepairs(memory, [{ taskId: 't', tier: 'cheap', fixed: r.fixed, edits }], () => PRICE);
    }
    if (!current.ok) unsolved++;
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '--allow-empty', '-m', 'step');
  }
  const files = Object.fromEntries(
    tsFiles(dir).map((f) => [path.relative(dir, f), readFileSync(f, 'utf8')]),
  );
  return { calls, rejected, usd: calls * PRICE, unsolved, ms: performance.now() - started, files };
}

/** The three scenarios for one host, from the project's breakage generator. */
function scenarios(spec) {
  const dir = hostRepo(spec);
  const found = findBreakages(dir, tsFiles(dir), rng(16));
  const original = (rel) => readFileSync(path.join(dir, rel), 'utf8');
  const write = (d, b) => {
    const { text } = applyBreakage(d, b);
    writeFileSync(path.join(d, b.file), text);
  };
  const nameOf = (b) => b.note.split(' → ')[0];
  // (a): one misspelled reference, broken again after each repair.
  const a = found.misspell[0];
  // (b): a name misspelled the same way at one reference in each of 3 different files.
  const byName = new Map();
  for (const b of found.misspell) {
    const list = byName.get(nameOf(b)) ?? [];
    if (!list.some((x) => x.file === b.file)) list.push(b);
    byName.set(nameOf(b), list);
  }
  const sites = [...byName.values()].find((l) => l.length >= 3)?.slice(0, 3) ?? [];
  const typoB = sites[0]?.replacement;
  // (c): an exported declaration renamed, with uses in 2–6 other places.
  const c = found.rename.find((b) => {
    const m = b.note.match(/\((\d+) use/);
    return m && +m[1] >= 2 && +m[1] <= 6;
  });
  const cName = c && nameOf(c);
  const cNew = c?.edits[0].replacement;
  return {
    originals: original,
    list: [
      [
        `(a) same failure ×3 (${a.note})`,
        Array.from({ length: 3 }, () => ({
          apply: (d) => write(d, a),
          bad: a.replacement,
          good: nameOf(a),
        })),
        true,
      ],
      [
        `(b) ${nameOf(sites[0])} → ${typoB} in 3 files`,
        sites.map((s) => ({
          apply: (d) => write(d, { ...s, replacement: typoB }),
          bad: typoB,
          good: nameOf(s),
        })),
        true,
      ],
      [`(c) ${c.note}`, [{ apply: (d) => write(d, c), bad: cName, good: cNew }], false],
    ],
  };
}

const arg = (name) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
// `--hosts redux@5 --sequences c`: a part of the table (a re-run of one row).
const HOSTS = arg('--hosts')?.split(',') ?? ['redux@5', 'immer@11'];
const SEQUENCES = arg('--sequences')?.split(',') ?? ['a', 'b', 'c'];
const rows = [];
for (const spec of HOSTS) {
  const { originals, list } = scenarios(spec);
  for (const [label, steps, backToOriginal] of list) {
    if (!SEQUENCES.includes(label[1])) continue;
    const off = await runSequence(spec, steps, false);
    const on = await runSequence(spec, steps, true);
    let wrong = 0;
    for (const [rel, text] of Object.entries(on.files)) {
      if (text !== off.files[rel]) wrong++;
      else if (backToOriginal && text !== originals(rel)) wrong++;
    }
    const avoided = off.calls > 1 ? (off.calls - on.calls) / (off.calls - 1) : 0;
    // Memory replays proven repairs only: an answer rejected in both runs has nothing to replay.
    const provenOff = off.calls - off.rejected;
    const provenOn = on.calls - on.rejected;
    const avoidedProven = provenOff > 1 ? (provenOff - provenOn) / (provenOff - 1) : 0;
    rows.push([
      spec,
      label,
      off.calls,
      on.calls,
      `${(100 * avoided).toFixed(0)}%`,
      `${off.rejected} / ${on.rejected}`,
      `${(100 * avoidedProven).toFixed(0)}%`,
      `$${(off.usd - on.usd).toFixed(4)}`,
      wrong,
      off.unsolved + on.unsolved,
      `${(off.ms / 1000).toFixed(0)} s / ${(on.ms / 1000).toFixed(0)} s`,
    ]);
    process.stderr.write(`${rows.at(-1).join(' | ')}\n`);
  }
}
table(
  `Fix memory on real code (scripted model at claude-haiku-4-5 list price, $${PRICE.toFixed(4)} per call; real tsc proofs)`,
  [
    'host',
    'sequence',
    'calls without',
    'calls with',
    'avoided after 1st',
    'rejected answers without / with',
    'proven calls avoided after 1st',
    'saved',
    'wrong kept',
    'unsolved',
    'wall without / with',
  ],
  rows,
);
