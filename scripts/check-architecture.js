// Checks the layering described in ARCHITECTURE.md on the real import graph (madge, runtime
// imports only: `import type` is erased and creates no dependency at run time):
// - no import cycle between folders of src/;
// - at most MAX_UPWARD imports from a lower layer back up to a higher one;
// - file sizes: median lines and files over the limit (after formatting).
// Prints a table; exits 1 when a rule is broken. `--json` prints the figures instead.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import madge from 'madge';

const root = path.resolve(import.meta.dirname, '..');
const MAX_UPWARD = 2;
const MAX_FILE_LINES = 300;

// Lower number = lower layer. A module may import its own layer and below.
// Keep in sync with ARCHITECTURE.md.
export const LAYERS = {
  '(root)': 0, // errors.ts, util-*.ts, state-dir.ts
  security: 0,
  config: 1,
  providers: 1,
  budget: 2,
  memory: 2,
  validation: 2,
  detect: 2,
  edits: 2,
  context: 2,
  forge: 2,
  autofix: 3,
  routing: 3,
  report: 3,
  plan: 3,
  review: 3,
  execute: 4,
  pipeline: 4,
  hooks: 4,
  shard: 4,
  jobs: 5,
  'github-action': 6,
  commands: 6,
  'index.ts': 7,
};

function folderOf(file) {
  const parts = file.split('/');
  if (parts.length === 1) return parts[0] === 'index.ts' ? 'index.ts' : '(root)';
  return parts[0];
}

const res = await madge(path.join(root, 'src'), {
  fileExtensions: ['ts'],
  tsConfig: path.join(root, 'tsconfig.json'),
  detectiveOptions: { ts: { skipTypeImports: true }, es6: { skipTypeImports: true } },
});
const graph = res.obj();
const edges = new Map(); // "a -> b" folder edge -> example file edges
const upward = [];
const unknown = new Set();
for (const [from, tos] of Object.entries(graph)) {
  const fa = folderOf(from);
  for (const to of tos) {
    const fb = folderOf(to);
    if (!(fa in LAYERS)) unknown.add(fa);
    if (!(fb in LAYERS)) unknown.add(fb);
    if (fa === fb) continue;
    const key = `${fa} -> ${fb}`;
    if (!edges.has(key)) edges.set(key, []);
    edges.get(key).push(`${from} -> ${to}`);
    if ((LAYERS[fa] ?? 99) < (LAYERS[fb] ?? 99)) upward.push(`${from} -> ${to}`);
  }
}

// Folder cycles: strongly connected components of the folder graph (Tarjan).
const adj = new Map();
for (const key of edges.keys()) {
  const [a, b] = key.split(' -> ');
  if (!adj.has(a)) adj.set(a, []);
  adj.get(a).push(b);
}
const index = new Map();
const low = new Map();
const stack = [];
const onStack = new Set();
const cycles = [];
let counter = 0;
function connect(v) {
  index.set(v, counter);
  low.set(v, counter++);
  stack.push(v);
  onStack.add(v);
  for (const w of adj.get(v) ?? []) {
    if (!index.has(w)) {
      connect(w);
      low.set(v, Math.min(low.get(v), low.get(w)));
    } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
  }
  if (low.get(v) === index.get(v)) {
    const scc = [];
    let w;
    do {
      w = stack.pop();
      onStack.delete(w);
      scc.push(w);
    } while (w !== v);
    if (scc.length > 1) cycles.push(scc);
  }
}
for (const v of adj.keys()) if (!index.has(v)) connect(v);

const fileCycles = res.circular();
const sizes = Object.keys(graph)
  .map((f) => ({ f, lines: readFileSync(path.join(root, 'src', f), 'utf8').split('\n').length }))
  .sort((a, b) => a.lines - b.lines);
const median = sizes[Math.floor(sizes.length / 2)]?.lines ?? 0;
const big = sizes.filter((s) => s.lines > MAX_FILE_LINES);

const figures = {
  files: sizes.length,
  folderCycles: cycles,
  fileCycles,
  upwardImports: upward,
  unknownFolders: [...unknown],
  medianLines: median,
  filesOverLimit: big.map((s) => `${s.f} (${s.lines})`),
};
if (process.argv.includes('--json')) console.log(JSON.stringify(figures, null, 2));
else {
  console.log(
    `files: ${figures.files}, median ${median} lines, over ${MAX_FILE_LINES}: ${big.length}`,
  );
  console.log(
    `folder cycles: ${cycles.length}${cycles.map((c) => `\n  ${c.join(' <-> ')}`).join('')}`,
  );
  for (const c of cycles)
    for (const a of c)
      for (const b of c)
        if (edges.has(`${a} -> ${b}`)) console.log(`    ${edges.get(`${a} -> ${b}`)[0]}`);
  console.log(
    `file cycles: ${fileCycles.length}${fileCycles.map((c) => `\n  ${c.join(' > ')}`).join('')}`,
  );
  console.log(
    `upward imports: ${upward.length} (at most ${MAX_UPWARD})${upward.map((u) => `\n  ${u}`).join('')}`,
  );
  if (unknown.size) console.log(`folders missing from LAYERS: ${[...unknown].join(', ')}`);
  for (const s of big) console.log(`  over ${MAX_FILE_LINES}: ${s.f} ${s.lines}`);
}
const ok =
  cycles.length === 0 &&
  fileCycles.length === 0 &&
  upward.length <= MAX_UPWARD &&
  unknown.size === 0;
process.exit(ok ? 0 : 1);
