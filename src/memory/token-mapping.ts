// The abstraction a stored repair is re-targeted through: which token of the stored failure maps
// to which token of the new one (message names by placeholder, same-shape lines token by token).
import { codeShape, type FailureSite, tokenKind, tokenize } from './fingerprint.js';

const WORDISH =
  /"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\\n]|\\.)*`|\b\d[\d_]*(?:\.\d+)?\b|[A-Za-z_$][\w$]*/g;

/** Whole-token, simultaneous substitution (a swap never chains). */
export function substitute(map: Map<string, string>, text: string): string {
  return map.size === 0 ? text : text.replace(WORDISH, (t) => map.get(t) ?? t);
}

/** Stored token → new token; a token that would map two ways is left out. */
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
