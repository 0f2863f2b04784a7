// Text helpers of span re-targeting: the one span two texts differ in, whole-token positions.

/** The one differing span of two texts, widened to whole tokens; null if it is empty. */
export function changedSpan(a: string, b: string): { from: string; to: string } | null {
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

/** Where `token` occurs in `line` as a whole token (not inside a longer word). */
export function wholeTokenIndexes(line: string, token: string): number[] {
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
