// The "Remaining failures" section of a fix summary: capped, each failure with the detail it has.
import { type Failure, formatFailure } from '../validation/failure.js';

const MAX_REMAINING_SHOWN = 20;
const MAX_TAIL_LINES = 12;

/** The failures still there after the run, the first MAX_REMAINING_SHOWN of them. */
export function renderRemaining(remaining: Failure[]): string[] {
  if (remaining.length === 0) return [];
  const out = ['', 'Remaining failures:'];
  for (const f of remaining.slice(0, MAX_REMAINING_SHOWN)) out.push(...renderFailure(f));
  if (remaining.length > MAX_REMAINING_SHOWN)
    out.push(`  … ${remaining.length - MAX_REMAINING_SHOWN} more`);
  return out;
}

/**
 * One line per failure; a command whose output nothing could parse (`exit-N`, `timeout`) also
 * shows its last lines, which are the only detail there is (npm's "Missing script", a crash).
 */
function renderFailure(f: Failure): string[] {
  const [, ...tail] = f.message.split('\n');
  const lines = [`  ${formatFailure(f)}`];
  if (f.file === null && tail.length > 0)
    lines.push(...tail.slice(-MAX_TAIL_LINES).map((l) => `      ${l}`));
  return lines;
}
