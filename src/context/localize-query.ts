import path from 'node:path';
import { definitionsByName, rankFiles } from './graph.js';
import type { Definition, RepoIndex } from './index-types.js';
import type { SpanCandidate } from './localize.js';
import { bounded, isPathLike, words } from './localize-text.js';

/** A symbol the text names outright outweighs any number of word matches. */
const NAMED_SCORE = 20;
/** Definitions a named symbol uses (its graph neighbours), scored below the symbol itself. */
const NEIGHBOUR_SCORE = 6;
const MAX_NEIGHBOURS = 6;

/**
 * Ranked definitions for a task text (a checklist item): the symbols it names outright, then their
 * graph neighbours (the definitions their bodies use), then BM25 over the words of definition
 * names, file base names and signatures, times graph rank. Folder names, extensions and English
 * function words are never terms (`src`, `internal`, `ts`, `to` match everywhere and say nothing
 * about the task), and paths written in the text are dropped before it is read. The words of a line
 * that names symbols only pick among those symbols' files and the files next to them (imports and
 * importers): "add an optional argument to `debounceTime`" is about debounceTime, not about every
 * `options` of the repo.
 */
export function localizeQuery(index: RepoIndex, query: string, limit = 30): SpanCandidate[] {
  const byName = definitionsByName(index);
  const folders = pathVocabulary(index);
  const named = new Set<string>();
  // term → the files it may match (null: any file)
  const terms = new Map<string, Set<string> | null>();
  const writtenFiles = new Set<string>();
  for (const raw of query.split('\n')) {
    const line = withoutPathTokens(raw);
    const names = namedIn(line, byName);
    for (const n of names) named.add(n);
    // A path written in the text names its file when the index has it (its words say nothing).
    const files = filesIn(raw, index);
    for (const f of files) writtenFiles.add(f);
    const near = names.length + files.length > 0 ? nearFiles(index, names, byName, files) : null;
    for (const w of new Set(words(line))) {
      if (folders.has(w) || isStopWord(w, byName) || terms.get(w) === null) continue;
      terms.set(w, near && new Set([...(terms.get(w) ?? []), ...near]));
    }
  }
  const docs = [...index.files.values()].flatMap((f) =>
    f.defs.map((d) => ({
      path: f.path,
      def: d,
      terms: words(`${d.name} ${baseName(f.path)} ${d.signature}`),
    })),
  );
  const df = new Map<string, number>();
  for (const d of docs) for (const t of new Set(d.terms)) df.set(t, (df.get(t) ?? 0) + 1);
  const avg = docs.reduce((a, d) => a + d.terms.length, 0) / Math.max(1, docs.length);
  const seeds = new Map<string, number>();
  const scored = docs.map((d) => {
    let s = 0;
    const hits: string[] = [];
    for (const [t, near] of terms) {
      const tf = d.terms.filter((x) => x === t).length;
      if (!tf || (near && !near.has(d.path))) continue;
      const idf = Math.log(1 + (docs.length - (df.get(t) ?? 0) + 0.5) / ((df.get(t) ?? 0) + 0.5));
      s += (idf * tf * 2.2) / (tf + 1.2 * (0.25 + 0.75 * (d.terms.length / avg)));
      hits.push(t);
    }
    if (s > 0) seeds.set(d.path, (seeds.get(d.path) ?? 0) + s);
    return { ...d, s, hits };
  });
  for (const n of named)
    for (const d of byName.get(n)!) seeds.set(d.path, (seeds.get(d.path) ?? 0) + NAMED_SCORE);
  for (const f of writtenFiles) seeds.set(f, (seeds.get(f) ?? 0) + NAMED_SCORE);
  const rank = rankFiles(index, seeds);
  const max = Math.max(...rank.values(), 1e-9);
  const graph = (p: string) => 0.5 + (rank.get(p) ?? 0) / max;
  const out: SpanCandidate[] = scored
    .filter((d) => d.s > 0)
    .map((d) => ({
      path: d.path,
      ...bounded(d.def),
      reason: `matches the task (${d.hits.join(', ')})`,
      score: d.s * graph(d.path),
    }));
  for (const n of named) {
    for (const d of byName.get(n)!) {
      out.push({
        path: d.path,
        ...bounded(d.def),
        reason: `${n}, named in the task`,
        score: NAMED_SCORE * graph(d.path),
      });
      for (const nb of neighbours(index, byName, d.path, d.def))
        out.push({
          path: nb.path,
          ...bounded(nb.def),
          reason: `${nb.def.name}, used by ${n} (named in the task)`,
          score: NEIGHBOUR_SCORE * graph(nb.path),
        });
    }
  }
  return dedupe(out)
    .sort((a, b) => b.score - a.score || a.path.localeCompare(b.path) || a.startLine - b.startLine)
    .slice(0, limit);
}

/** Definitions a definition's body refers to, then those its file imports (one graph hop). */
function neighbours(
  index: RepoIndex,
  byName: ReturnType<typeof definitionsByName>,
  file: string,
  def: Definition,
): { path: string; def: Definition }[] {
  const refs = index.files.get(file)?.refs ?? { names: [], lines: [] };
  const inside = refs.names.filter(
    (n, i) => refs.lines[i]! >= def.startLine && refs.lines[i]! <= def.endLine && n !== def.name,
  );
  const out: { path: string; def: Definition }[] = [];
  for (const name of new Set(inside)) {
    const defs = byName.get(name) ?? [];
    // A name defined in many places (a common method name) says nothing about which one is meant.
    if (defs.length === 0 || defs.length > 2) continue;
    out.push(...defs);
  }
  // Then the files it imports (the index records no reference to an imported name passed as a
  // value, e.g. `map(normalize)`): their first definitions, a few per file.
  for (const imp of index.files.get(file)?.resolved ?? [])
    for (const d of (index.files.get(imp)?.defs ?? []).slice(0, 2)) out.push({ path: imp, def: d });
  return out.slice(0, MAX_NEIGHBOURS);
}

/** One candidate per span: the highest score, its reason. */
function dedupe(spans: SpanCandidate[]): SpanCandidate[] {
  const best = new Map<string, SpanCandidate>();
  for (const s of spans) {
    const key = `${s.path}:${s.startLine}:${s.endLine}`;
    const had = best.get(key);
    if (!had || s.score > had.score) best.set(key, s);
  }
  return [...best.values()];
}

/**
 * Symbols a line names: a defined name written in backticks (`Retryer`, `map`), or one shaped like
 * code (camelCase, PascalCase with a second capital, snake_case, `$`) anywhere in the line.
 */
function namedIn(line: string, byName: ReturnType<typeof definitionsByName>): string[] {
  const quoted = [...line.matchAll(/`([A-Za-z_$][\w$]*)(?:\(\))?`/g)].map((m) => m[1]!);
  const bare = (line.match(/[A-Za-z_$][\w$]*/g) ?? []).filter(
    (n) => n.length >= 3 && isIdentifierLike(n),
  );
  return [...new Set([...quoted, ...bare])].filter((n) => byName.has(n));
}

/** camelCase, PascalCase with a second capital, snake_case or `$`: a code name, not a word. */
function isIdentifierLike(n: string): boolean {
  return /[a-z][A-Z]|[A-Z].*[A-Z]|_|\$/.test(n) && !/^[A-Z]+$/.test(n);
}

/** The files defining `names` (and `files`), the files they import and the files importing them. */
function nearFiles(
  index: RepoIndex,
  names: string[],
  byName: ReturnType<typeof definitionsByName>,
  files: string[],
): Set<string> {
  const own = new Set([...files, ...names.flatMap((n) => byName.get(n)!.map((d) => d.path))]);
  const out = new Set(own);
  for (const f of index.files.values()) {
    if (own.has(f.path)) for (const r of f.resolved) out.add(r);
    else if (f.resolved.some((r) => own.has(r))) out.add(f.path);
  }
  return out;
}

/** An English function word: in every task text, never what it is about (unless the repo defines it: `each`). */
function isStopWord(w: string, byName: ReturnType<typeof definitionsByName>): boolean {
  return STOP_WORDS.has(w) && !byName.has(w);
}

const STOP_WORDS = new Set(
  'an the to on at by and or but it its be been should would could must can may will shall so that these those there then than into onto when whenever which who what where why how also only just very all each every some such both either neither not no nor we our you your they their them he she his her me my us'.split(
    ' ',
  ),
);

/** Paths and module specifiers in the text (`src/internal/x.ts`, `./util`) name no symbol. */
function withoutPathTokens(text: string): string {
  return text
    .split(/(\s+)/)
    .map((tok) => (isPathLike(tok.replace(/^[`'"(]+|[`'",.:;)]+$/g, '')) ? ' ' : tok))
    .join('');
}

/** Indexed files whose repo-relative path the line writes (`src/retry.ts`, `./src/retry.ts`). */
function filesIn(line: string, index: RepoIndex): string[] {
  return line
    .split(/\s+/)
    .map((tok) => tok.replace(/^[`'"(]+|[`'",.:;)]+$/g, '').replace(/^\.\//, ''))
    .filter((tok) => index.files.has(tok));
}

/** Words of folder names and file extensions: where code lives, never what it does. */
function pathVocabulary(index: RepoIndex): Set<string> {
  const out = new Set<string>();
  for (const p of index.files.keys()) {
    const parts = p.split('/');
    for (const dir of parts.slice(0, -1)) for (const w of words(dir)) out.add(w);
    for (const ext of parts.at(-1)!.split('.').slice(1)) out.add(ext.toLowerCase());
  }
  return out;
}

/** The file's own name without folders or extension: `src/internal/retry.ts` → `retry`. */
function baseName(p: string): string {
  return path.posix.basename(p).replace(/\.[^.]*$/, '');
}
