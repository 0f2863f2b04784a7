// One search/replace on a file's text: an exact unique match, else a unique match that ignores
// indentation and spacing; EditApplyError says why not, in words fed back to the model.
import { DistiqError, ExitCode } from '../errors.js';

/** A model edit that cannot be applied; the message tells the model what to send instead. */
export class EditApplyError extends DistiqError {
  constructor(message: string) {
    super(message, ExitCode.NOT_FIXED);
  }
}

/** Exact unique match first, then a unique match ignoring indentation and trailing spaces. */
export function replaceOnce(text: string, search: string, replace: string, where = 'edit'): string {
  const exact = countOccurrences(text, search);
  if (exact === 1) return text.replace(search, () => replace);
  if (exact > 1)
    throw new EditApplyError(
      `${where}: "search" occurs ${exact} times; include more surrounding lines so it matches once`,
    );
  const lines = text.split('\n');
  const wanted = search.replace(/\n$/, '').split('\n').map(norm);
  const hits: number[] = [];
  for (let i = 0; i + wanted.length <= lines.length; i++)
    if (wanted.every((w, j) => norm(lines[i + j]!) === w)) hits.push(i);
  if (hits.length > 1)
    throw new EditApplyError(
      `${where}: "search" matches ${hits.length} places when whitespace is ignored; include more context`,
    );
  if (hits.length === 0)
    throw new EditApplyError(
      `${where}: "search" was not found; copy the current text exactly (see the file above)`,
    );
  const at = hits[0]!;
  // Keep the file's indentation: re-indent the replacement by the difference of the first lines.
  const indent = /^\s*/.exec(lines[at]!)![0];
  const searchIndent = /^\s*/.exec(search.split('\n')[0]!)![0];
  const cr = lines[at + wanted.length - 1]!.endsWith('\r') ? '\r' : '';
  const replaced = replace
    .replace(/\r?\n$/, '')
    .split('\n')
    .map((l) => l.replace(/\r$/, ''))
    .map((l) => (l.startsWith(searchIndent) ? indent + l.slice(searchIndent.length) : l) + cr);
  return [...lines.slice(0, at), ...replaced, ...lines.slice(at + wanted.length)].join('\n');
}

function norm(line: string): string {
  return line.trim().replace(/\s+/g, ' ');
}

function countOccurrences(text: string, needle: string): number {
  let n = 0;
  for (let i = text.indexOf(needle); i !== -1; i = text.indexOf(needle, i + 1)) n++;
  return n;
}
