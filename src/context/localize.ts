import { editDistance } from '../autofix/spelling.js';
import type { Failure } from '../validation/failure.js';
import { definitionsByName, rankFiles } from './graph.js';
import type { Definition, RepoIndex } from './index-types.js';

export interface SpanCandidate {
  path: string;
  startLine: number;
  endLine: number;
  reason: string;
  score: number;
  /** Lines that must stay inside the span when it is cut to fit (failure sites). */
  anchors?: number[];
}

/** Changed line ranges since the last green commit, per repo-relative file. */
export type ChangedHunks = Map<string, { start: number; end: number }[]>;

/**
 * Errors that follow from another error rather than cause one (an implicit `any` appears once a
 * type it came from is broken): they still count, far below the failures that name a cause.
 */
const COLLATERAL_CODES = new Set([
  'TS7006',
  'TS7005',
  'TS7031',
  'TS7034',
  'TS7053',
  'TS18046',
  'TS2571',
]);
const COLLATERAL_WEIGHT = 0.2;
/** What changed since the last green commit is where a fresh failure most likely comes from. */
const HUNK_SCORE = 12;
const HUNK_CONTEXT = 3;

const MAX_DEF_LINES = 150;
const SITE_WINDOW = 12;
const KEYWORDS = new Set(
  'const let var function return if else for while new this class import export from type interface extends implements async await true false null undefined void number string boolean any unknown never object public private protected static readonly default case switch break continue try catch finally throw typeof instanceof keyof declare module namespace enum of in as is def self None True False pass lambda yield with raise except elif func package struct impl fn pub mut use crate'.split(
    ' ',
  ),
);

/**
 * Where to look for each failure: the definition enclosing the failure site; the definitions of the
 * symbols named in the message or written on the failing line, preferring files the failing file
 * imports (an error at a call site in b.ts caused by a changed signature in a.ts brings in a.ts);
 * and the tests that exercise the failing file.
 */
export function localizeFailures(
  index: RepoIndex,
  failures: Failure[],
  lineText: (path: string, line: number) => string | undefined,
  opts: { hunks?: ChangedHunks } = {},
): SpanCandidate[] {
  const byName = definitionsByName(index);
  const all: SpanCandidate[] = [];
  for (const [file, hunks] of opts.hunks ?? []) {
    const entry = index.files.get(file);
    if (!entry) continue;
    for (const h of hunks)
      all.push({
        path: file,
        startLine: Math.max(1, h.start - HUNK_CONTEXT),
        endLine: Math.min(entry.lines, h.end + HUNK_CONTEXT),
        reason: `changed since the last green commit`,
        score: HUNK_SCORE,
        anchors: [Math.min(entry.lines, h.start)],
      });
  }
  const collateral = (f: Failure) => Boolean(f.code && COLLATERAL_CODES.has(f.code));
  // A cascade of collateral errors weighs, all together, no more than one failure that names a cause.
  const collateralWeight = Math.min(
    COLLATERAL_WEIGHT,
    1 / Math.max(1, failures.filter(collateral).length),
  );
  for (const f of failures) {
    if (!f.file || !index.files.has(f.file)) continue;
    const out: SpanCandidate[] = [];
    const weight = collateral(f) ? collateralWeight : 1;
    const entry = index.files.get(f.file)!;
    const line = f.line ?? 1;
    const site = `${f.file}:${line}`;
    const enclosing = smallestEnclosing(
      entry.defs.filter((d) => d.kind !== 'property' && d.kind !== 'field'),
      line,
    );
    out.push({
      path: f.file,
      startLine: Math.max(1, line - SITE_WINDOW),
      endLine: Math.min(entry.lines, line + SITE_WINDOW),
      reason: `failure site ${site}`,
      score: 10,
      anchors: [line],
    });
    if (enclosing)
      out.push({
        path: f.file,
        ...bounded(enclosing),
        reason: `enclosing ${enclosing.kind} ${enclosing.name} of ${site}`,
        score: 6,
      });
    const missingName =
      /cannot find name|is not defined|has no exported member|undefined:|cannot find value/i.test(
        f.message,
      );
    if (entry.importEnd > 0)
      out.push({
        path: f.file,
        startLine: 1,
        endLine: entry.importEnd,
        reason: `imports of ${f.file}`,
        score: missingName ? 9 : 3,
      });
    else if (missingName)
      out.push({
        path: f.file,
        startLine: 1,
        endLine: Math.min(entry.lines, 3),
        reason: `top of ${f.file}: it has no imports, a missing one goes here`,
        score: 9,
      });
    // Every identifier inside quotes: 'Foo<T>' names Foo, './types/store' names nothing.
    // Pairs of the same quote whose content does not start or end with a space ("… member 'Foo'. Did you mean 'Fo'?").
    // A quoted path or module specifier ('../util/isIterable', import("/ci/src/core/util")) names
    // no symbol, and depends on where the repo is checked out: paths are never identifiers.
    const named = new Set(
      [
        ...withoutPaths(f.message).matchAll(
          /(['"`])(\S(?:[^'"`\n]{0,118}\S)?)\1|‘([^’\n]{1,120})’/g,
        ),
      ]
        .map((m) => m[2] ?? m[3] ?? '')
        .filter((q) => !isPathLike(q))
        .flatMap((q) => q.match(/[A-Za-z_$][\w$]*/g) ?? []),
    );
    const onLine = new Set(
      withoutStrings(lineText(f.file, line) ?? '').match(/[A-Za-z_$][\w$]{2,}/g) ?? [],
    );
    for (const [names, why, weight] of [
      [named, 'named in the error', 8],
      [onLine, 'used at the failure site', 6],
    ] as const) {
      for (const name of names) {
        if (KEYWORDS.has(name)) continue;
        const defs = (byName.get(name) ?? []).filter(
          (d) => !(d.path === f.file && d.def.startLine <= line && d.def.endLine >= line),
        );
        for (const d of defs.slice(0, 6)) {
          const imported = entry.resolved.includes(d.path) || d.path === f.file;
          const score = (imported ? weight : weight / 2) / Math.max(1, defs.length / 2);
          out.push({
            path: d.path,
            ...bounded(d.def),
            reason: `definition of ${name} (${why} at ${site})`,
            score,
          });
          // A type named in an error may get the member from the types it is made of (unions, extends).
          if (why === 'named in the error' && TYPE_KINDS.has(d.def.kind))
            out.push(...typeParts(index, byName, d.path, d.def, score * 0.6, 2, site));
        }
        // A name that exists nowhere was probably renamed or misspelled: close names in the files it imports.
        if (defs.length === 0 && why === 'named in the error' && name.length >= 3) {
          for (const p of [f.file, ...entry.resolved]) {
            for (const d of index.files.get(p)?.defs ?? []) {
              if (d.name !== name && editDistance(d.name.toLowerCase(), name.toLowerCase()) <= 2)
                out.push({
                  path: p,
                  ...bounded(d),
                  reason: `${d.name}, close to the missing name ${name} (${site})`,
                  score: 9,
                });
            }
          }
        }
      }
    }
    for (const c of out) all.push(weight === 1 ? c : { ...c, score: c.score * weight });
  }
  const out = all;
  // Tests that reference what the failing files define.
  const failing = new Set(failures.map((f) => f.file).filter(Boolean) as string[]);
  const definedThere = new Set(
    [...failing].flatMap((p) => index.files.get(p)?.defs.map((d) => d.name) ?? []),
  );
  for (const f of index.files.values()) {
    if (
      !/(^|\/)(test|tests|__tests__|spec)\/|\.(test|spec)\.[a-z]+$/.test(f.path) ||
      failing.has(f.path)
    )
      continue;
    const at = f.refs.names.findIndex((n) => definedThere.has(n));
    if (at < 0) continue;
    const first = { name: f.refs.names[at]!, line: f.refs.lines[at]! };
    const test = smallestEnclosing(f.defs, first.line);
    out.push({
      path: f.path,
      ...(test
        ? bounded(test)
        : { startLine: Math.max(1, first.line - 5), endLine: first.line + 10 }),
      reason: `test using ${first.name}`,
      score: 2,
    });
  }
  return out;
}

/** Ranked definitions for a task text: BM25 over identifier words, paths and signatures, times graph rank. */
export function localizeQuery(index: RepoIndex, query: string, limit = 30): SpanCandidate[] {
  const docs = [...index.files.values()].flatMap((f) =>
    f.defs.map((d) => ({
      path: f.path,
      def: d,
      terms: words(`${d.name} ${f.path} ${d.signature}`),
    })),
  );
  const q = [...new Set(words(query))];
  const df = new Map<string, number>();
  for (const d of docs) for (const t of new Set(d.terms)) df.set(t, (df.get(t) ?? 0) + 1);
  const avg = docs.reduce((a, d) => a + d.terms.length, 0) / Math.max(1, docs.length);
  const seeds = new Map<string, number>();
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
      reason: `matches the task (${q.filter((t) => d.terms.includes(t)).join(', ')})`,
      score: d.s * (0.5 + (rank.get(d.path) ?? 0) / max),
    }))
    .sort((a, b) => b.score - a.score || a.path.localeCompare(b.path) || a.startLine - b.startLine)
    .slice(0, limit);
}

const TYPE_KINDS = new Set(['interface', 'type', 'class']);

/** Definitions of the types referenced inside a type's span, `depth` hops deep, with decaying scores. */
function typeParts(
  index: RepoIndex,
  byName: ReturnType<typeof definitionsByName>,
  path: string,
  def: Definition,
  score: number,
  depth: number,
  site: string,
): SpanCandidate[] {
  if (depth === 0) return [];
  const refs = index.files.get(path)?.refs ?? { names: [], lines: [] };
  const inside = refs.names.filter(
    (n, i) => refs.lines[i]! >= def.startLine && refs.lines[i]! <= def.endLine && n !== def.name,
  );
  const out: SpanCandidate[] = [];
  for (const name of [...new Set(inside)].slice(0, 8)) {
    for (const d of (byName.get(name) ?? [])
      .filter((x) => TYPE_KINDS.has(x.def.kind))
      .slice(0, 2)) {
      out.push({
        path: d.path,
        ...bounded(d.def),
        reason: `${d.def.name}, part of ${def.name} (named in the error at ${site})`,
        score,
      });
      out.push(...typeParts(index, byName, d.path, d.def, score * 0.6, depth - 1, site));
    }
  }
  return out;
}

/** Quoted text that is a path or module specifier rather than a name. */
function isPathLike(q: string): boolean {
  return (
    /[/\\]/.test(q) || /^\.{1,2}$/.test(q) || /^[.@~]/.test(q) || /\.(c|m)?[jt]sx?$|\.json$/.test(q)
  );
}

/** `import("…")` and `typeof import('…')` carry a path, often absolute: drop them before reading names. */
function withoutPaths(message: string): string {
  return message.replace(/import\((['"`])[^'"`\n]*\1\)/g, 'import()');
}

/** A source line without its string literals: `from '../util/x'` names nothing. */
function withoutStrings(line: string): string {
  return line.replace(/(['"`])(?:\\.|(?!\1)[^\\\n])*\1/g, '""');
}

function words(text: string): string[] {
  return text
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 1 && !KEYWORDS.has(w));
}

function smallestEnclosing(defs: Definition[], line: number): Definition | undefined {
  return defs
    .filter((d) => d.startLine <= line && d.endLine >= line)
    .sort((a, b) => a.endLine - a.startLine - (b.endLine - b.startLine))[0];
}

function bounded(d: Definition): { startLine: number; endLine: number } {
  return { startLine: d.startLine, endLine: Math.min(d.endLine, d.startLine + MAX_DEF_LINES - 1) };
}
