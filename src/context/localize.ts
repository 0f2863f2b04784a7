import { editDistance } from '../util-edit-distance.js';
import type { Failure } from '../validation/failure.js';
import { definitionsByName } from './graph.js';
import type { Definition, RepoIndex } from './index-types.js';
import {
  bounded,
  isPathLike,
  KEYWORDS,
  smallestEnclosing,
  withoutPaths,
  withoutStrings,
} from './localize-text.js';

export { localizeQuery } from './localize-query.js';

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

const SITE_WINDOW = 12;

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
