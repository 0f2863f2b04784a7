import ts from 'typescript';
import type { FileEdit } from '../autofix/fixer.js';
import { type ChangeHistory, inChangedHunk } from '../context/history.js';
import type { Failure } from './failure.js';

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
      // With the history known, a declaration the diff did not touch is not what broke: renaming
      // it to match its users moves working code towards the mistake.
      const at = declarationLines(e.before, name);
      if (history && at.length > 0 && !at.some((l) => inChangedHunk(history, e.path, l)))
        return `it renames '${name}' in ${e.path}, a declaration the diff since ${history.base.slice(0, 7)} did not change`;
      if (failures.some((f) => mentions(f.message, name)) || sites.some((l) => mentions(l, name)))
        continue;
      return `it changes '${name}' in ${e.path}, which no failure points at`;
    }
  }
  return undefined;
}

/**
 * Identifiers (not keywords) that occur fewer times in the code after the edit than before.
 * Strings and comments are not code: a module specifier's path words are not names.
 */
function decreased(before: string, after: string): string[] {
  const count = (text: string) => {
    const m = new Map<string, number>();
    const scanner = ts.createScanner(ts.ScriptTarget.Latest, true, ts.LanguageVariant.JSX, text);
    for (let t = scanner.scan(); t !== ts.SyntaxKind.EndOfFileToken; t = scanner.scan()) {
      if (t !== ts.SyntaxKind.Identifier && t !== ts.SyntaxKind.PrivateIdentifier) continue;
      const w = scanner.getTokenValue();
      if (!KEYWORDS.has(w)) m.set(w, (m.get(w) ?? 0) + 1);
    }
    return m;
  };
  const a = count(after);
  return [...count(before)].filter(([w, n]) => (a.get(w) ?? 0) < n).map(([w]) => w);
}

/** 1-based lines where `text` declares `name`. */
function declarationLines(text: string, name: string): number[] {
  const n = name.replace(/\$/g, '\\$');
  const re = new RegExp(
    `\\b(function\\*?|class|interface|type|enum|const|let|var|namespace)\\s+${n}(?![\\w$])`,
    'g',
  );
  return [...text.matchAll(re)].map((m) => text.slice(0, m.index).split('\n').length);
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
