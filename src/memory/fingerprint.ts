import type { Failure } from '../validation/failure.js';
import { sha256 } from './canonical-json.js';

/**
 * A failure with what varies between occurrences abstracted away: the names and literals quoted
 * in its message become placeholders, and the failing line becomes its shape (identifiers,
 * strings and numbers as classes; keywords and punctuation kept). Two failures with the same
 * fingerprint are "the same mistake", wherever and with whatever names they happen.
 */
export interface Fingerprint {
  tool: string;
  code: string | null;
  /** First line of the message, quoted names as ⟨n0⟩, ⟨n1⟩… and numbers as #. */
  message: string;
  /** The failing line's shape, e.g. `export const i : i = s ;`. Empty when unknown. */
  shape: string;
  /** sha256 of tool, code, message and shape: the exact-match key. */
  key: string;
}

/** The concrete side of a fingerprint, needed to re-target a stored edit. */
export interface FailureSite {
  file: string | null;
  /** The quoted names of the message, in placeholder order. */
  names: string[];
  /** The failing line as written (trimmed), or '' when unknown. */
  line: string;
}

const QUOTED = /'([^'\n]{1,200})'|"([^"\n]{1,200})"|`([^`\n]{1,200})`/g;
const TOKEN =
  /"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\\n]|\\.)*`|\b\d[\d_]*(?:\.\d+)?\b|[A-Za-z_$][\w$]*|\S/g;
const KEYWORDS = new Set(
  (
    'abstract as async await break case catch class const continue def default delete do else enum export extends false fn for from function if impl implements import in instanceof interface let match mod mut new null of package private protected pub public readonly return self static struct super switch this throw true try type typeof undefined use var void while with yield ' +
    'string number boolean any unknown never object bigint symbol'
  ).split(' '),
);

export function abstractMessage(message: string): { text: string; names: string[] } {
  const first = message.split('\n')[0] ?? '';
  const names: string[] = [];
  const text = first
    .replace(QUOTED, (_m, a?: string, b?: string, c?: string) => {
      const name = (a ?? b ?? c)!;
      let i = names.indexOf(name);
      if (i < 0) i = names.push(name) - 1;
      return `⟨n${i}⟩`;
    })
    .replace(/\b\d+(?:\.\d+)?\b/g, '#')
    .replace(/\s+/g, ' ')
    .trim();
  return { text, names };
}

export function tokenize(line: string): string[] {
  return line.match(TOKEN) ?? [];
}

export type TokenKind = 'ident' | 'string' | 'number' | 'keyword' | 'punct';

export function tokenKind(t: string): TokenKind {
  if (/^["'`]/.test(t)) return 'string';
  if (/^\d/.test(t)) return 'number';
  if (/^[A-Za-z_$]/.test(t)) return KEYWORDS.has(t) ? 'keyword' : 'ident';
  return 'punct';
}

export function codeShape(line: string): string {
  return tokenize(line)
    .map((t) => {
      const k = tokenKind(t);
      return k === 'ident' ? 'i' : k === 'string' ? 's' : k === 'number' ? 'n' : t;
    })
    .join(' ');
}

/** The fingerprint and site of a failure; `fileText` is the failing file's content, when known. */
export function fingerprintOf(
  f: Failure,
  fileText: string | null,
): { fingerprint: Fingerprint; site: FailureSite } {
  const { text, names } = abstractMessage(f.message);
  const line = fileText !== null && f.line ? (fileText.split('\n')[f.line - 1] ?? '').trim() : '';
  const shape = codeShape(line);
  const key = sha256([f.tool, f.code ?? '', text, shape].join('\u0000'));
  return {
    fingerprint: { tool: f.tool, code: f.code, message: text, shape, key },
    site: { file: f.file, names, line },
  };
}

/** Words for the similarity index: tool, code, the abstract message and the line's shape. */
export function fingerprintText(
  fp: Pick<Fingerprint, 'tool' | 'code' | 'message' | 'shape'>,
): string {
  const shape = fp.shape.replace(/\bi\b/g, 'ID').replace(/\bs\b/g, 'STR').replace(/\bn\b/g, 'NUM');
  return [fp.tool, fp.code ?? '', fp.message.replace(/⟨n\d+⟩/g, ' NAME '), shape].join(' ');
}
