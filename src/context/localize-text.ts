// Text helpers shared by failure and query localization.
import type { Definition } from './index-types.js';

export const MAX_DEF_LINES = 150;
export const KEYWORDS = new Set(
  'const let var function return if else for while new this class import export from type interface extends implements async await true false null undefined void number string boolean any unknown never object public private protected static readonly default case switch break continue try catch finally throw typeof instanceof keyof declare module namespace enum of in as is def self None True False pass lambda yield with raise except elif func package struct impl fn pub mut use crate'.split(
    ' ',
  ),
);

/** Quoted text that is a path or module specifier rather than a name. */
export function isPathLike(q: string): boolean {
  return (
    /[/\\]/.test(q) || /^\.{1,2}$/.test(q) || /^[.@~]/.test(q) || /\.(c|m)?[jt]sx?$|\.json$/.test(q)
  );
}

/** `import("…")` and `typeof import('…')` carry a path, often absolute: drop them before reading names. */
export function withoutPaths(message: string): string {
  return message.replace(/import\((['"`])[^'"`\n]*\1\)/g, 'import()');
}

/** A source line without its string literals: `from '../util/x'` names nothing. */
export function withoutStrings(line: string): string {
  return line.replace(/(['"`])(?:\\.|(?!\1)[^\\\n])*\1/g, '""');
}

export function words(text: string): string[] {
  return text
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 1 && !KEYWORDS.has(w));
}

export function smallestEnclosing(defs: Definition[], line: number): Definition | undefined {
  return defs
    .filter((d) => d.startLine <= line && d.endLine >= line)
    .sort((a, b) => a.endLine - a.startLine - (b.endLine - b.startLine))[0];
}

export function bounded(d: Definition): { startLine: number; endLine: number } {
  return { startLine: d.startLine, endLine: Math.min(d.endLine, d.startLine + MAX_DEF_LINES - 1) };
}
