import type { FailureSite } from './fingerprint.js';
import type { Hunk } from './hunks.js';
import { changedSpan, wholeTokenIndexes } from './span-text.js';
import { substitute, tokenMapping } from './token-mapping.js';

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
  const sub = (text: string) => substitute(map, text);
  const movePath = (p: string) =>
    stored.file && current.file && p === stored.file ? current.file : sub(p);
  return hunks.map((h) => ({
    path: movePath(h.path),
    search: sub(h.search),
    replace: sub(h.replace),
  }));
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
  const sub = (text: string) => substitute(map, text);
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
