import { countTokens } from 'gpt-tokenizer';
import type { SpanCandidate } from './localize.js';

export interface PackedSpan extends SpanCandidate {
  text: string;
}

export interface PackedContext {
  tokens: number;
  spans: PackedSpan[];
  /** The spans rendered with paths and line numbers, in a deterministic order. */
  text: string;
}

/**
 * Packs ranked spans into a token budget: overlapping or adjacent spans of a file are merged (their
 * scores added, every reason kept), the best-scoring spans are taken while they fit (counted with a real
 * tokenizer), and the result is printed in path and line order so equal inputs give equal prompts.
 */
export function packContext(
  candidates: SpanCandidate[],
  readLines: (path: string) => string[] | undefined,
  budget: number,
  opts: { numbered?: boolean } = {},
): PackedContext {
  const numbered = opts.numbered !== false;
  const merged = mergeSpans(candidates);
  merged.sort(
    (a, b) => b.score - a.score || a.path.localeCompare(b.path) || a.startLine - b.startLine,
  );
  const chosen: PackedSpan[] = [];
  let used = 0;
  for (const s of merged) {
    const lines = readLines(s.path);
    if (!lines) continue;
    // Spans are joined by a blank line: its tokens count against the budget too.
    const sep = chosen.length > 0 ? SEPARATOR_TOKENS : 0;
    let start = s.startLine;
    let end = Math.min(s.endLine, lines.length);
    let text = render(s.path, start, end, lines, s.reason, numbered);
    let cost = countTokens(text) + sep;
    if (used + cost > budget) {
      // A long span may still fit in part: keep its head (signature and start), or, when it holds
      // a failure site, a window around that line, cut down to the budget.
      const anchor = s.anchors?.find((a) => a >= start && a <= end);
      while (end > start && used + cost > budget) {
        if (anchor === undefined) end = start + Math.floor((end - start) / 2);
        else {
          const half = Math.floor((end - start) / 4);
          start = Math.max(start, anchor - half);
          end = Math.max(anchor, Math.min(end, anchor + half));
        }
        text = render(s.path, start, end, lines, s.reason, numbered);
        cost = countTokens(text) + sep;
      }
      if (used + cost > budget || end - start < (anchor === undefined ? 3 : 0)) continue;
    }
    chosen.push({ ...s, startLine: start, endLine: end, text });
    used += cost;
  }
  chosen.sort((a, b) => a.path.localeCompare(b.path) || a.startLine - b.startLine);
  // The budget is a hard limit: tokenizers are not additive at the joins, so check the whole.
  let text = chosen.map((s) => s.text).join(SEPARATOR);
  let tokens = countTokens(text);
  while (tokens > budget && chosen.length > 0) {
    const worst = chosen.reduce((w, s, i) => (s.score < chosen[w]!.score ? i : w), 0);
    chosen.splice(worst, 1);
    text = chosen.map((s) => s.text).join(SEPARATOR);
    tokens = countTokens(text);
  }
  return { tokens, spans: chosen, text };
}

const SEPARATOR = '\n\n';
const SEPARATOR_TOKENS = countTokens(SEPARATOR);

function mergeSpans(candidates: SpanCandidate[]): SpanCandidate[] {
  const byFile = new Map<string, SpanCandidate[]>();
  for (const c of candidates) byFile.set(c.path, [...(byFile.get(c.path) ?? []), c]);
  const out: SpanCandidate[] = [];
  for (const [, spans] of byFile) {
    spans.sort((a, b) => a.startLine - b.startLine || b.endLine - a.endLine);
    let cur: SpanCandidate | null = null;
    for (const s of spans) {
      if (cur && s.startLine <= cur.endLine + 1) {
        cur.endLine = Math.max(cur.endLine, s.endLine);
        // Evidence adds up: a definition named by ten errors outranks one failure site.
        cur.score += s.score;
        if (s.anchors) cur.anchors = [...(cur.anchors ?? []), ...s.anchors];
        if (!cur.reason.includes(s.reason)) cur.reason = `${cur.reason}; ${s.reason}`;
      } else {
        if (cur) out.push(cur);
        cur = { ...s };
      }
    }
    if (cur) out.push(cur);
  }
  return out;
}

/** Numbered for people; plain for models, whose `search` strings must match the file byte for byte. */
function render(
  path: string,
  start: number,
  end: number,
  lines: string[],
  reason: string,
  numbered: boolean,
): string {
  const width = String(end).length;
  const body = numbered
    ? lines.slice(start - 1, end).map((l, i) => `${String(start + i).padStart(width)}│ ${l}`)
    : lines.slice(start - 1, end);
  return [
    `${path}:${start}-${end} (${reason.length > 200 ? reason.slice(0, 197) + '...' : reason})`,
    ...body,
  ].join('\n');
}
