import { diffFailures, type Failure } from './failure.js';
import type { Validation } from './validate.js';

export interface Verdict {
  keep: boolean;
  reason: string;
  fixed: number;
  /** Failures that appeared only because a command now gets further (e.g. `eslint && prettier --check`). */
  unmasked: Failure[];
  regressions: Failure[];
}

/**
 * A repair is kept when failures went down and nothing regressed. A failure that appears is a
 * regression unless it was unmasked: its command's previous failures are all gone and it comes
 * from a tool that command had not reported before (the next stage of `a && b` now runs).
 * A command that passed before and fails now is always a regression.
 */
export function judgeRepair(
  before: Validation,
  after: Validation,
  opts: { requireProgress?: boolean } = {},
): Verdict {
  const requireProgress = opts.requireProgress ?? true;
  const regressions: Failure[] = [];
  const unmasked: Failure[] = [];
  let fixed = 0;
  after.results.forEach((res, i) => {
    const prev = before.results[i];
    if (!prev) return;
    const diff = diffFailures(prev.failures, res.failures);
    fixed += diff.fixed.length;
    if (prev.exitCode === 0 && res.exitCode !== 0) {
      regressions.push(
        ...(res.failures.length
          ? res.failures
          : [
              {
                tool: res.kind,
                file: null,
                line: null,
                column: null,
                code: `exit-${res.exitCode}`,
                severity: 'error' as const,
                message: `${res.command} now fails`,
              },
            ]),
      );
      return;
    }
    const prevTools = new Set(prev.failures.map((f) => f.tool));
    const stagePassed = diff.remaining.length === 0;
    for (const f of diff.introduced)
      (stagePassed && !prevTools.has(f.tool) ? unmasked : regressions).push(f);
  });
  const keep =
    regressions.length === 0 && (!requireProgress || fixed > 0 || (after.ok && !before.ok));
  const tail = unmasked.length
    ? ` (${unmasked.length} more unmasked: ${[...new Set(unmasked.map((f) => f.tool))].join(', ')} now runs)`
    : '';
  const reason = keep
    ? `failures ${before.failures.length} → ${after.failures.length}${requireProgress ? '' : ', none new'}${tail}`
    : regressions.length > 0
      ? `${regressions.length} new failure(s), e.g. ${regressions[0]!.message.split('\n')[0]}`
      : 'no failure went away';
  return { keep, reason, fixed, unmasked, regressions };
}
