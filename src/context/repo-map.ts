import { countTokens } from 'gpt-tokenizer';
import { rankFiles } from './graph.js';
import type { RepoIndex } from './index-types.js';

export interface RepoMap {
  text: string;
  tokens: number;
  files: number;
  definitions: number;
}

/**
 * A compact outline of the repo (file → key signatures) that fits `tokens`: definitions ranked by
 * their file's PageRank and how often their name is referenced, the best that fit chosen by binary
 * search, printed in path and line order so the same repo gives the same bytes (a cacheable prefix).
 */
export function buildRepoMap(
  index: RepoIndex,
  opts: { tokens: number; seeds?: Map<string, number>; mentioned?: Set<string> },
): RepoMap {
  const rank = rankFiles(index, opts.seeds);
  const refCount = new Map<string, number>();
  for (const f of index.files.values())
    for (const n of f.refs.names) refCount.set(n, (refCount.get(n) ?? 0) + 1);
  const scored = [...index.files.values()].flatMap((f) =>
    f.defs.map((d) => ({
      path: f.path,
      def: d,
      score:
        (rank.get(f.path) ?? 0) *
        (1 + Math.log1p(refCount.get(d.name) ?? 0)) *
        (opts.mentioned?.has(d.name) ? 10 : 1),
    })),
  );
  scored.sort(
    (a, b) =>
      b.score - a.score || a.path.localeCompare(b.path) || a.def.startLine - b.def.startLine,
  );
  const render = (n: number) => {
    const chosen = scored
      .slice(0, n)
      .sort((a, b) => a.path.localeCompare(b.path) || a.def.startLine - b.def.startLine);
    const lines: string[] = [];
    let last = '';
    for (const c of chosen) {
      if (c.path !== last) lines.push(`${c.path}:`);
      last = c.path;
      lines.push(`  ${c.def.startLine}│ ${c.def.signature}`);
    }
    return { text: lines.join('\n'), files: new Set(chosen.map((c) => c.path)).size };
  };
  let lo = 0;
  let hi = scored.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (countTokens(render(mid).text) <= opts.tokens) lo = mid;
    else hi = mid - 1;
  }
  const { text, files } = render(lo);
  return { text, tokens: countTokens(text), files, definitions: lo };
}
