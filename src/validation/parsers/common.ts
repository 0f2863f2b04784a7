import path from 'node:path';
import type { Failure } from '../failure.js';

/** A failure plus the index of the output line it came from, so two parsers never report one line twice. */
export interface ParsedFailure extends Failure {
  sourceLine: number;
}

export interface FailureParser {
  tool: string;
  /** Cheap check on the whole output before the line-by-line parse. */
  applies(text: string): boolean;
  parse(lines: string[], ctx: ParseContext): ParsedFailure[];
}

export interface ParseContext {
  root: string;
}

/** A path as tools print it: optional drive letter, no spaces, an extension. */
export const PATH_RE = String.raw`(?:[A-Za-z]:)?[^\s:()'"<>|*?]+\.[A-Za-z0-9]+`;

/** Makes a printed path repo-relative and POSIX: file:// URLs, Windows separators and `./` are normalized. */
export function normalizePath(raw: string, root: string): string {
  let p = raw.trim();
  if (p.startsWith('file://')) p = decodeURIComponent(p.slice('file://'.length));
  p = p.replace(/\\/g, '/');
  if (p.startsWith('./')) p = p.slice(2);
  const posixRoot = root.replace(/\\/g, '/').replace(/\/+$/, '');
  if (posixRoot && (p === posixRoot || p.startsWith(posixRoot + '/')))
    return p.slice(posixRoot.length + 1);
  if (path.isAbsolute(p) && !/^[A-Za-z]:\//.test(p)) {
    const rel = path.relative(root, p);
    if (!rel.startsWith('..')) return rel.split(path.sep).join('/');
  }
  return p;
}

export function int(value: string | undefined): number | null {
  if (value === undefined) return null;
  const n = Number.parseInt(value, 10);
  return Number.isFinite(n) ? n : null;
}

/** Collects the indented lines after `start` (exclusive) while `keep` holds. */
export function takeWhile(
  lines: string[],
  start: number,
  keep: (line: string) => boolean,
): string[] {
  const out: string[] = [];
  for (let i = start + 1; i < lines.length && keep(lines[i]!); i++) out.push(lines[i]!);
  return out;
}
