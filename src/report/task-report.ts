import type { TaskOutcome } from '../execute/execute-plan.js';
import { describeEscalation } from '../routing/escalation.js';
import type { TaskReport } from './fix-report.js';

/** A task's row of the report: what it went through and what its calls cost. */
export function taskReport(
  o: TaskOutcome,
  opts: { id?: string; tierPrefix?: string[]; status?: TaskReport['status'] } = {},
): TaskReport {
  const tierPath = [...(opts.tierPrefix ?? []), ...o.tierPath];
  const tokens = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };
  for (const c of o.calls) {
    tokens.input += c.usage.inputTokens;
    tokens.output += c.usage.outputTokens;
    tokens.cacheRead += c.usage.cacheReadTokens;
    tokens.cacheWrite += c.usage.cacheWriteTokens;
  }
  return {
    id: opts.id ?? o.task.id,
    title: o.task.title,
    tier: tierPath.at(-1) ?? o.task.tier,
    tierPath,
    escalations: o.escalations.map(describeEscalation),
    escalationRecords: o.escalations,
    attempts: o.attempts,
    attemptsByTier: o.attemptsByTier,
    status: opts.status ?? o.status,
    failures: o.task.failures.length,
    files: o.task.files,
    dependsOn: o.task.dependsOn,
    changedFiles: [...o.changed].sort(),
    calls: o.calls.length,
    tokens,
    usd: o.calls.reduce((a, c) => a + c.usd, 0),
    ...(o.reason ? { reason: o.reason } : {}),
  };
}
