// implement's planning context on real code it has never seen: seeded checklist items about real
// declarations of registry hosts, packed as the planner packs them (`JobContext.forQuery`:
// localizeQuery, then packContext at 4K tokens, unnumbered). Per host and item style: is the target
// declaration in the context, and how many of the packed spans are relevant (the target's file, or a
// declaration the target uses or that uses it). Baseline in the same run: plain BM25 over every word
// of the text, path words included (the query localization before issue #18), same budget.
import { buildIndex } from '../dist/context/index.js';
import { definitionsByName, rankFiles } from '../dist/context/graph.js';
import { lineReader } from '../dist/context/line-reader.js';
import { localizeQuery } from '../dist/context/localize.js';
import { bounded, smallestEnclosing, words } from '../dist/context/localize-text.js';
import { packContext } from '../dist/context/pack.js';
import { hostRepo, median, rng, table } from './lib.js';

const BUDGET = 4000;
const TARGET_KINDS = new Set(['function', 'class', 'interface', 'type']);

/** What an item asks for: generic requests, the same for every target (no word of any host). */
const ASKS = [
  (t) => `add an optional options argument to ${t}`,
  (t) => `make ${t} reject invalid input with a clear error`,
  (t) => `log a debug message whenever ${t} is called`,
  (t) => `handle an empty value in ${t}`,
  (t) => `document the edge cases of ${t} and cover them with a test`,
];

/** The three styles of one item about `def` in `file`. */
function itemsFor(file, def, ask) {
  // As a person says it: `startWith` → "start with", `isValidDate` → "is valid date".
  const spoken = def.name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .replace(/[_$]+/g, ' ')
    .trim()
    .toLowerCase();
  return {
    named: capital(ask(`\`${def.name}\``)),
    words: capital(ask(`the ${spoken}`)),
    'path noise': `In ${file}, ${ask(def.name)}`,
  };
}

const capital = (s) => s[0].toUpperCase() + s.slice(1);

/** Seeded targets: declarations of a kind a checklist names, defined in one file only. */
function drawTargets(index, count, rand) {
  const byName = definitionsByName(index);
  const pool = [];
  for (const f of [...index.files.values()].sort((a, b) => a.path.localeCompare(b.path)))
    for (const d of f.defs) {
      if (!TARGET_KINDS.has(d.kind) || d.name.length < 3) continue;
      const files = new Set((byName.get(d.name) ?? []).map((x) => x.path));
      if (files.size !== 1) continue;
      // Overloads share a name: one target per name, its last (implementation) declaration.
      const last = f.defs.filter((x) => x.name === d.name).at(-1);
      if (last !== d) continue;
      pool.push({ file: f.path, def: d });
    }
  const out = [];
  while (out.length < count && pool.length > 0)
    out.push(pool.splice(Math.floor(rand() * pool.length), 1)[0]);
  return out;
}

/**
 * The target's relevant declarations, from the index alone (independent of either ranker): every
 * declaration of its file, the declarations its body calls or names as a type (in its file or the
 * files it imports), and the declarations that call or name it from a file importing it.
 */
function relevantSpans(index, target) {
  const byName = definitionsByName(index);
  const own = index.files.get(target.file);
  const near = new Set([target.file, ...own.resolved]);
  const out = [];
  own.refs.names.forEach((n, i) => {
    const line = own.refs.lines[i];
    if (line < target.def.startLine || line > target.def.endLine || n === target.def.name) return;
    for (const d of byName.get(n) ?? []) if (near.has(d.path)) out.push({ path: d.path, ...d.def });
  });
  for (const f of index.files.values()) {
    if (f.path === target.file || !f.resolved.includes(target.file)) continue;
    f.refs.names.forEach((n, i) => {
      if (n !== target.def.name) return;
      const d = smallestEnclosing(f.defs, f.refs.lines[i]);
      if (d) out.push({ path: f.path, ...d });
    });
  }
  return out;
}

/** The query localization before issue #18: BM25 over all words, folders and extensions included. */
function plainBm25(index, query, limit = 30) {
  const docs = [...index.files.values()].flatMap((f) =>
    f.defs.map((d) => ({
      path: f.path,
      def: d,
      terms: words(`${d.name} ${f.path} ${d.signature}`),
    })),
  );
  const q = [...new Set(words(query))];
  const df = new Map();
  for (const d of docs) for (const t of new Set(d.terms)) df.set(t, (df.get(t) ?? 0) + 1);
  const avg = docs.reduce((a, d) => a + d.terms.length, 0) / Math.max(1, docs.length);
  const seeds = new Map();
  const scored = docs.map((d) => {
    let s = 0;
    for (const t of q) {
      const tf = d.terms.filter((x) => x === t).length;
      if (!tf) continue;
      const idf = Math.log(1 + (docs.length - (df.get(t) ?? 0) + 0.5) / ((df.get(t) ?? 0) + 0.5));
      s += (idf * tf * 2.2) / (tf + 1.2 * (0.25 + 0.75 * (d.terms.length / avg)));
    }
    if (s > 0) seeds.set(d.path, (seeds.get(d.path) ?? 0) + s);
    return { ...d, s };
  });
  const rank = rankFiles(index, seeds);
  const max = Math.max(...rank.values(), 1e-9);
  return scored
    .filter((d) => d.s > 0)
    .map((d) => ({
      path: d.path,
      ...bounded(d.def),
      reason: 'matches the task',
      score: d.s * (0.5 + (rank.get(d.path) ?? 0) / max),
    }))
    .sort((a, b) => b.score - a.score || a.path.localeCompare(b.path) || a.startLine - b.startLine)
    .slice(0, limit);
}

function measure(packed, target, relevant) {
  const overlaps = (s, d) => s.startLine <= d.endLine && s.endLine >= d.startLine;
  const isRelevant = (s) =>
    s.path === target.file || relevant.some((d) => d.path === s.path && overlaps(s, d));
  return {
    hit: packed.spans.some(
      (s) =>
        s.path === target.file &&
        s.startLine <= target.def.startLine &&
        s.endLine >= target.def.startLine,
    ),
    spans: packed.spans.length,
    relevant: packed.spans.filter(isRelevant).length,
    tokens: packed.tokens,
  };
}

export async function benchLocalizeImplement({
  targets = 10,
  hosts = ['rxjs@7', '@tanstack/query-core@5', 'immer@11', 'semver@7'],
  debug = process.env.DISTIQ_BENCH_DEBUG,
} = {}) {
  const results = [];
  for (const spec of hosts) {
    const dir = hostRepo(spec);
    const index = await buildIndex(dir);
    const lines = lineReader(dir);
    const rand = rng(0x18a8 + spec.length);
    for (const target of drawTargets(index, targets, rand)) {
      const ask = ASKS[Math.floor(rand() * ASKS.length)];
      const relevant = relevantSpans(index, target);
      for (const [style, item] of Object.entries(itemsFor(target.file, target.def, ask))) {
        // The planner's query is the checklist joined; one item here.
        const ours = packContext(localizeQuery(index, item), lines, BUDGET, { numbered: false });
        const base = packContext(plainBm25(index, item), lines, BUDGET, { numbered: false });
        const row = {
          host: `${spec} (${index.files.size} files)`,
          style,
          ours: measure(ours, target, relevant),
          base: measure(base, target, relevant),
        };
        results.push(row);
        if (debug && (!row.ours.hit || debug === 'all')) {
          console.error(
            `${row.ours.hit ? 'HIT' : 'MISS'} ${row.ours.relevant}/${row.ours.spans} ${spec} ${style}: ${item} (${target.file}:${target.def.startLine})`,
          );
          for (const s of ours.spans)
            console.error(`   ${s.path}:${s.startLine}-${s.endLine} ${s.reason.slice(0, 90)}`);
        }
      }
    }
  }
  const pct = (xs) => `${Math.round((100 * xs.filter(Boolean).length) / Math.max(1, xs.length))}%`;
  const share = (rs, k) => {
    const rel = rs.reduce((a, r) => a + r[k].relevant, 0);
    const all = rs.reduce((a, r) => a + r[k].spans, 0);
    return `${rel}/${all} (${Math.round((100 * rel) / Math.max(1, all))}%)`;
  };
  const row = (label, style, rs) => [
    label,
    style,
    rs.length,
    `${pct(rs.map((r) => r.ours.hit))} / ${pct(rs.map((r) => r.base.hit))}`,
    `${share(rs, 'ours')} / ${share(rs, 'base')}`,
    `${median(rs.map((r) => r.ours.spans))} / ${median(rs.map((r) => r.base.spans))}`,
    `${median(rs.map((r) => r.ours.tokens))} / ${median(rs.map((r) => r.base.tokens))}`,
  ];
  const styles = ['named', 'words', 'path noise'];
  const rows = [];
  for (const h of new Set(results.map((r) => r.host)))
    for (const st of styles)
      rows.push(
        row(
          h,
          st,
          results.filter((r) => r.host === h && r.style === st),
        ),
      );
  for (const st of styles)
    rows.push(
      row(
        '**all**',
        st,
        results.filter((r) => r.style === st),
      ),
    );
  table(
    `implement's planning context at ${BUDGET / 1000}K tokens on unseen code: distiq / plain BM25 over all words (${targets} targets per host, 3 item styles each)`,
    [
      'host',
      'item style',
      'items',
      'target in context',
      'relevant spans',
      'median spans',
      'median tokens',
    ],
    rows,
  );
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const arg = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
  await benchLocalizeImplement({
    targets: Number(arg('--targets') ?? 10),
    hosts: arg('--hosts')?.split(','),
  });
}
