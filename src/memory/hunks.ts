/** A search/replace hunk: `search` occurs exactly once in the file before the edit. */
export interface Hunk {
  path: string;
  search: string;
  replace: string;
}

const MAX_LCS_CELLS = 4_000_000;
const MAX_CONTEXT = 6;

/**
 * Turns a whole-file edit into search/replace hunks (the edit format models answer in): the
 * changed line regions, each with the fewest context lines that make its `search` unique.
 * Null when the edit creates or deletes the file, or no unique hunk exists (not stored then).
 */
export function editToHunks(
  file: string,
  before: string | null,
  after: string | null,
): Hunk[] | null {
  if (before === null || after === null || before === after) return null;
  const a = before.split('\n');
  const b = after.split('\n');
  const regions = changedRegions(a, b);
  const hunks: Hunk[] = [];
  for (const r of regions) {
    let ctx = r.aEnd === r.aStart ? 1 : 0;
    let hunk: Hunk | null = null;
    for (; ctx <= MAX_CONTEXT && !hunk; ctx++) {
      const s0 = Math.max(0, r.aStart - ctx);
      const s1 = Math.min(a.length, r.aEnd + ctx);
      const search = a.slice(s0, s1).join('\n');
      if (search.trim() === '' || occurrences(before, search) !== 1) continue;
      const replace = [
        ...a.slice(s0, r.aStart),
        ...b.slice(r.bStart, r.bEnd),
        ...a.slice(r.aEnd, s1),
      ].join('\n');
      hunk = { path: file, search, replace };
    }
    if (!hunk) return null;
    hunks.push(hunk);
  }
  return hunks.length ? hunks : null;
}

interface Region {
  aStart: number;
  aEnd: number;
  bStart: number;
  bEnd: number;
}

/** Changed line regions by LCS on the part between the common prefix and suffix. */
function changedRegions(a: string[], b: string[]): Region[] {
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (
    suf < a.length - pre &&
    suf < b.length - pre &&
    a[a.length - 1 - suf] === b[b.length - 1 - suf]
  )
    suf++;
  const am = a.slice(pre, a.length - suf);
  const bm = b.slice(pre, b.length - suf);
  if ((am.length + 1) * (bm.length + 1) > MAX_LCS_CELLS)
    return [{ aStart: pre, aEnd: a.length - suf, bStart: pre, bEnd: b.length - suf }];
  const n = am.length;
  const m = bm.length;
  const dp = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      dp[i]![j] =
        am[i] === bm[j] ? dp[i + 1]![j + 1]! + 1 : Math.max(dp[i + 1]![j]!, dp[i]![j + 1]!);
  const regions: Region[] = [];
  let i = 0;
  let j = 0;
  let open: Region | null = null;
  const close = () => {
    if (open) regions.push(open);
    open = null;
  };
  while (i < n || j < m) {
    if (i < n && j < m && am[i] === bm[j]) {
      close();
      i++;
      j++;
      continue;
    }
    open ??= { aStart: pre + i, aEnd: pre + i, bStart: pre + j, bEnd: pre + j };
    if (j < m && (i >= n || dp[i]![j + 1]! >= dp[i + 1]![j]!)) open.bEnd = pre + ++j;
    else open.aEnd = pre + ++i;
  }
  close();
  return regions;
}

function occurrences(text: string, search: string): number {
  let n = 0;
  for (let at = text.indexOf(search); at >= 0 && n < 2; at = text.indexOf(search, at + 1)) n++;
  return n;
}
