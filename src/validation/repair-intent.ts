import ts from 'typescript';
import type { FileEdit } from '../autofix/fixer.js';
import type { ChangeHistory } from '../autofix/history.js';
import type { Failure } from './failure.js';

const WORD = /[A-Za-z_$][\w$]*/g;
const KEYWORDS = new Set<string>();
for (let k = ts.SyntaxKind.FirstKeyword; k <= ts.SyntaxKind.LastKeyword; k++)
  KEYWORDS.add(ts.tokenToString(k) ?? '');

/**
 * A $0 repair may only change names the failures point at: a name a failure message quotes, or
 * one on a line a failure sits on or the diff since the last green commit changed. Lowering the failure count by renaming something else (an
 * unrelated declaration that happens to match a typo) is not a repair of these failures.
 * Returns why the repair is out of bounds, or undefined when it is not.
 */
export function outsideIntent(
  edits: FileEdit[],
  failures: Failure[],
  history?: ChangeHistory,
): string | undefined {
  for (const e of edits) {
    if (e.before === null || e.after === null) continue;
    const removed = decreased(e.before, e.after);
    if (removed.length === 0) continue;
    const lines = e.before.split('\n');
    const lineNumbers = failures.filter((f) => f.file === e.path && f.line).map((f) => f.line!);
    for (const h of history?.hunks.get(e.path) ?? [])
      for (let l = h.start; l <= h.end; l++) lineNumbers.push(l);
    if (history && !history.hunks.has(e.path) && history.changedFiles.includes(e.path)) continue; // new file
    const sites = lineNumbers.map((l) => lines[l - 1] ?? '');
    for (const name of removed) {
      // Uses the checker flagged are the fixer's own evidence (a test run may stop at the first
      // error); renaming a declaration is what needs a failure behind it.
      if (!declares(e.before, name)) continue;
      if (failures.some((f) => mentions(f.message, name)) || sites.some((l) => mentions(l, name)))
        continue;
      return `it changes '${name}' in ${e.path}, which no failure points at`;
    }
  }
  return undefined;
}

/** Identifiers (not keywords) that occur fewer times after the edit than before. */
function decreased(before: string, after: string): string[] {
  const count = (text: string) => {
    const m = new Map<string, number>();
    for (const [w] of text.matchAll(WORD)) if (!KEYWORDS.has(w)) m.set(w, (m.get(w) ?? 0) + 1);
    return m;
  };
  const a = count(after);
  return [...count(before)].filter(([w, n]) => (a.get(w) ?? 0) < n).map(([w]) => w);
}

function declares(text: string, name: string): boolean {
  const n = name.replace(/\$/g, '\\$');
  return new RegExp(
    `\\b(function\\*?|class|interface|type|enum|const|let|var|namespace)\\s+${n}(?![\\w$])`,
  ).test(text);
}

function mentions(text: string, name: string): boolean {
  return new RegExp(`(^|[^\\w$])${name.replace(/\$/g, '\\$')}([^\\w$]|$)`).test(text);
}
