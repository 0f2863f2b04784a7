import type { Definition, RepoIndex } from './index-types.js';

/** name → the definitions of that name, with their files. */
export function definitionsByName(
  index: RepoIndex,
): Map<string, { path: string; def: Definition }[]> {
  const out = new Map<string, { path: string; def: Definition }[]>();
  for (const f of index.files.values())
    for (const d of f.defs) out.set(d.name, [...(out.get(d.name) ?? []), { path: f.path, def: d }]);
  return out;
}

/**
 * Personalized PageRank over files: an edge from A to B for every reference in A to a name defined
 * in B (split among the files defining it) and for every import. `seeds` bias the walk toward the
 * files in play, as aider's repo map does.
 */
export function rankFiles(
  index: RepoIndex,
  seeds: Map<string, number> = new Map(),
  iterations = 30,
  damping = 0.85,
): Map<string, number> {
  const files = [...index.files.keys()].sort();
  const id = new Map(files.map((f, i) => [f, i]));
  const defs = definitionsByName(index);
  const out: Map<number, number>[] = files.map(() => new Map());
  for (const f of index.files.values()) {
    const from = id.get(f.path)!;
    for (const name of f.refs.names) {
      const targets = (defs.get(name) ?? []).filter((d) => d.path !== f.path);
      for (const t of targets) {
        const to = id.get(t.path)!;
        out[from]!.set(to, (out[from]!.get(to) ?? 0) + 1 / targets.length);
      }
    }
    for (const imp of f.resolved)
      if (imp !== f.path) out[from]!.set(id.get(imp)!, (out[from]!.get(id.get(imp)!) ?? 0) + 1);
  }
  const n = files.length;
  if (n === 0) return new Map();
  const seedTotal = [...seeds.values()].reduce((a, b) => a + b, 0);
  const p = files.map((f) => (seedTotal > 0 ? (seeds.get(f) ?? 0) / seedTotal : 1 / n));
  let rank = p.slice();
  const weightOut = out.map((m) => [...m.values()].reduce((a, b) => a + b, 0));
  for (let it = 0; it < iterations; it++) {
    const next = p.map((x) => (1 - damping) * x);
    let dangling = 0;
    for (let i = 0; i < n; i++) {
      if (weightOut[i] === 0) dangling += rank[i]!;
      else for (const [j, w] of out[i]!) next[j]! += (damping * rank[i]! * w) / weightOut[i]!;
    }
    for (let i = 0; i < n; i++) next[i]! += damping * dangling * p[i]!;
    rank = next;
  }
  return new Map(files.map((f, i) => [f, rank[i]!]));
}
