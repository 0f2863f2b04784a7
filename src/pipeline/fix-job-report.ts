import type { FixReport, TaskReport } from '../report/fix-report.js';
import { taskReport } from '../report/task-report.js';
import type { TierLadder } from '../routing/router.js';
import { JobMemory } from '../memory/job-memory.js';
import { JobRouting } from '../routing/job-routing.js';
import { type Failure, failureKey } from '../validation/failure.js';
import { changedFor, keptFor } from './kept-repairs.js';
import type { FixTask } from '../plan/plan-fix.js';
import type { FixJobRequest, JobState } from './fix-state.js';

// The fix report: tasks with their tiers and outcomes, commands before and after, the cost.

export function buildReport(
  state: JobState,
  req: FixJobRequest,
  started: number,
  memory: JobMemory,
  routing: JobRouting,
): FixReport {
  const before = state.before!;
  const after = state.current ?? before;
  const remainingKeys = new Map<string, number>();
  for (const f of after.failures)
    remainingKeys.set(failureKey(f), (remainingKeys.get(failureKey(f)) ?? 0) + 1);
  const statusOf = (t: FixTask): 'fixed' | 'partial' | 'failed' => {
    const left = countRemaining(t.failures, new Map(remainingKeys));
    return left === 0 ? 'fixed' : left < t.failures.length ? 'partial' : 'failed';
  };
  const autofix = req.tiers.includes('autofix') ? ['autofix'] : [];
  // Tasks the $0 tier finished, then the model stage's tasks (planned from what it left), numbered in that order.
  const modelKeys = new Set(
    (state.exec?.outcomes ?? []).flatMap((o) => o.task.failures.map(failureKey)),
  );
  const freeTasks = state.exec
    ? state.tasks.filter((t) => t.failures.every((f) => !modelKeys.has(failureKey(f))))
    : state.tasks;
  const rows: TaskReport[] = [
    ...freeTasks.map((t) =>
      routing.row(
        memory.row(
          {
            id: t.id,
            title: t.title,
            tier: autofix[0] ?? 'autofix',
            tierPath: autofix,
            escalations: [],
            escalationRecords: [],
            attempts: Math.max(
              t.files.reduce((n, f) => n + (state.attemptsByFile.get(f) ?? 0), 0),
              keptFor(state.keptFree, t.failures).length,
            ),
            status: statusOf(t),
            failures: t.failures.length,
            files: t.files,
            dependsOn: [],
            changedFiles: changedFor(
              state.keptFree,
              t.failures,
              t.files.filter((f) => state.changed.has(f)),
            ),
            calls: 0,
            tokens: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
            usd: 0,
          },
          t.failures,
        ),
        t.failures,
      ),
    ),
    ...(state.exec?.outcomes ?? []).map((o) => {
      const proven = statusOf(o.task);
      return routing.row(
        taskReport(o, {
          tierPrefix: autofix,
          status:
            proven === 'fixed'
              ? 'fixed'
              : ['interrupted', 'over-budget', 'skipped'].includes(o.status)
                ? o.status
                : proven,
        }),
        o.task.failures,
        o.task.id,
      );
    }),
  ];
  const tasks = rows.map((t, i) => ({ ...t, id: `t${i + 1}` }));
  const improved = after.failures.length < before.failures.length;
  const status: FixReport['status'] = before.ok
    ? 'nothing-to-fix'
    : after.ok
      ? 'fixed'
      : state.overBudget
        ? 'over-budget'
        : improved
          ? 'partial'
          : 'failed';
  const autofixCalls = state.repairs.filter((r) => r.tier === 'autofix').length;
  const configured = new Set(
    req.models.ladders.filter((l) => l.steps.length > 0).map((l) => l.tier),
  );
  return {
    schemaVersion: 1,
    job: 'fix',
    runId: req.runId,
    status,
    interrupted: Boolean(req.signal?.aborted),
    dryRun: req.dryRun,
    failuresBefore: before.failures.length,
    failuresAfter: after.failures.length,
    changedFiles: [...state.changed].sort(),
    tasks,
    repairs: state.repairs,
    commands: before.results.map((r, i) => ({
      kind: r.kind,
      command: r.command,
      exitCodeBefore: r.exitCode,
      exitCodeAfter: after.results[i]?.exitCode ?? r.exitCode,
      durationMs: r.durationMs,
      sandbox: r.sandbox ?? 'none',
      ...(r.sandboxReason ? { sandboxReason: r.sandboxReason } : {}),
    })),
    remaining: after.failures,
    skippedTiers: req.tiers
      .filter((t) => t !== 'autofix' && t !== 'memory' && !configured.has(t))
      .map((tier) => ({
        tier,
        reason:
          req.models.excluded.find((e) => e.tier === tier)?.reason ??
          skipReason(req.models.ladders.find((l) => l.tier === tier)),
      })),
    cost: req.models.gateway.cost({
      autofixCalls: req.tiers.includes('autofix') ? autofixCalls : 0,
      freeRepairs: state.freeRepairs,
    }),
    branch: null, // set by the job runner when it commits on --branch
    durationMs: Math.round(performance.now() - started),
  };
}

export function skipReason(ladder: TierLadder | undefined): string {
  if (!ladder || ladder.info.length === 0) return 'no models configured for this tier';
  return ladder.info.map((i) => `${i.provider}/${i.model}: ${i.reason ?? 'unusable'}`).join('; ');
}

export function countRemaining(failures: Failure[], remaining: Map<string, number>): number {
  let n = 0;
  for (const f of failures) {
    const k = failureKey(f);
    const left = remaining.get(k) ?? 0;
    if (left > 0) {
      n++;
      remaining.set(k, left - 1);
    }
  }
  return n;
}
