import { codeShape, type FailureSite, tokenKind, tokenize } from './fingerprint.js';
import type { Hunk } from './hunks.js';

const WORDISH =
  /"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\\n]|\\.)*`|\b\d[\d_]*(?:\.\d+)?\b|[A-Za-z_$][\w$]*/g;

/**
 * Re-targets a stored edit at a new occurrence of the same mistake: names quoted in the stored
 * message map to the new message's names (by placeholder), tokens of the stored failing line map
 * to the new line's tokens when both lines have the same shape, and the stored failing file maps
 * to the new one. The substitution is whole-token and simultaneous (a swap never chains). A name
 * that would map two ways is left alone. The result is only a candidate: it is proven like any
 * model answer, so a wrong mapping costs a validation run, never a wrong result.
 */
export function retarget(hunks: Hunk[], stored: FailureSite, current: FailureSite): Hunk[] {
  const map = tokenMapping(stored, current);
  const sub = (text: string) =>
    map.size === 0 ? text : text.replace(WORDISH, (t) => map.get(t) ?? t);
  const movePath = (p: string) =>
    stored.file && current.file && p === stored.file ? current.file : sub(p);
  return hunks.map((h) => ({
    path: movePath(h.path),
    search: sub(h.search),
    replace: sub(h.replace),
  }));
}

export function tokenMapping(stored: FailureSite, current: FailureSite): Map<string, string> {
  const map = new Map<string, string>();
  const conflicts = new Set<string>();
  const add = (from: string, to: string) => {
    if (conflicts.has(from)) return;
    const known = map.get(from);
    if (known !== undefined && known !== to) {
      map.delete(from);
      conflicts.add(from);
      return;
    }
    map.set(from, to);
  };
  const pairs: [string, string][] = [];
  stored.names.forEach((n, i) => {
    const to = current.names[i];
    if (to !== undefined) pairs.push([n, to]);
  });
  if (stored.line && current.line && codeShape(stored.line) === codeShape(current.line)) {
    const a = tokenize(stored.line);
    const b = tokenize(current.line);
    a.forEach((t, i) => pairs.push([t, b[i]!]));
  }
  for (const [from, to] of pairs) {
    if (from === to) continue;
    // Message names are bare; in code they may be quoted: map each token form it can take.
    for (const [f, t] of forms(from, to)) add(f, t);
  }
  for (const [from, to] of [...map]) if (from === to) map.delete(from);
  return map;
}

/** A token and, for string literals, their content when it is itself one token (`"8080"` → 8080). */
function forms(from: string, to: string): [string, string][] {
  const out: [string, string][] = [];
  const kf = tokenKind(from);
  const kt = tokenKind(to);
  if (isToken(from) && isToken(to)) out.push([from, to]);
  if (kf === 'string' && kt === 'string') {
    const fi = from.slice(1, -1);
    const ti = to.slice(1, -1);
    if (isToken(fi) && isToken(ti)) out.push([fi, ti]);
  }
  if (kf !== 'string' && kt !== 'string' && !isToken(from)) {
    // A quoted message name such as "./api" or 'a.b': match it as a string literal in code.
    for (const q of ['"', "'"]) out.push([`${q}${from}${q}`, `${q}${to}${q}`]);
  }
  return out;
}

function isToken(t: string): boolean {
  const m = t.match(WORDISH);
  return m !== null && m.length === 1 && m[0] === t;
}

/**
 * The fallback when the re-targeted search text is not in the new file (the same mistake on a
 * different line): a one-hunk repair that changed one span of the stored failing line (`old` →
 * `new`, widened to whole tokens) is re-applied to the new failing line, names mapped through
 * the abstraction, with as many neighbouring lines as make the search unique in `fileText`.
 * Null when the stored repair is not such a span edit or the span is not on the new line once.
 */
export function retargetSpan(
  hunks: Hunk[],
  stored: FailureSite,
  current: FailureSite,
  fileText: string | null,
  lineNo?: number | null,
): Hunk[] | null {
  const h = hunks[0];
  if (hunks.length !== 1 || !h || !current.file || !fileText || !current.line.trim()) return null;
  if (!stored.line.trim() || !h.search.includes(stored.line)) return null;
  const span = changedSpan(h.search, h.replace);
  if (!span) return null;
  const map = tokenMapping(stored, current);
  const sub = (text: string) =>
    map.size === 0 ? text : text.replace(WORDISH, (t) => map.get(t) ?? t);
  const from = sub(span.from);
  const to = sub(span.to);
  const lines = fileText.split('\n');
  // The site's line is trimmed: find it at the failure's line number, else once in the file.
  const byTrim = lines.flatMap((l, i) => (l.trim() === current.line ? [i] : []));
  const row =
    lineNo && lines[lineNo - 1]?.trim() === current.line
      ? lineNo - 1
      : byTrim.length === 1
        ? byTrim[0]!
        : -1;
  if (row < 0) return null;
  const raw = lines[row]!;
  const at = wholeTokenIndexes(raw, from);
  if (at.length !== 1) return null;
  const newLine = raw.slice(0, at[0]) + to + raw.slice(at[0]! + from.length);
  for (let before = 0, after = 0; before + after <= 6; before <= after ? before++ : after++) {
    const lo = Math.max(0, row - before);
    const hi = Math.min(lines.length, row + after + 1);
    const search = lines.slice(lo, hi).join('\n');
    if (fileText.indexOf(search) === fileText.lastIndexOf(search)) {
      const replace = [...lines.slice(lo, row), newLine, ...lines.slice(row + 1, hi)].join('\n');
      return [{ path: current.file, search, replace }];
    }
  }
  return null;
}

/** The one differing span of two texts, widened to whole tokens; null if it is empty. */
function changedSpan(a: string, b: string): { from: string; to: string } | null {
  let p = 0;
  while (p < a.length && p < b.length && a[p] === b[p]) p++;
  let s = 0;
  while (s < a.length - p && s < b.length - p && a[a.length - 1 - s] === b[b.length - 1 - s]) s++;
  const word = /[\w$]/;
  while (p > 0 && (word.test(a[p - 1]!) || word.test(b[p - 1] ?? ''))) p--;
  while (s > 0 && (word.test(a[a.length - s]!) || word.test(b[b.length - s] ?? ''))) s--;
  const from = a.slice(p, a.length - s);
  const to = b.slice(p, b.length - s);
  if (!from.trim() || from.includes('\n') || to.includes('\n')) return null;
  return { from, to };
}

function wholeTokenIndexes(line: string, token: string): number[] {
  const out: number[] = [];
  const word = /[\w$]/;
  for (let i = line.indexOf(token); i >= 0; i = line.indexOf(token, i + 1)) {
    const before = line[i - 1];
    const after = line[i + token.length];
    const edgeL = !word.test(token[0]!) || !before || !word.test(before);
    const edgeR = !word.test(token.at(-1)!) || !after || !word.test(after);
    if (edgeL && edgeR) out.push(i);
  }
  return out;
}
