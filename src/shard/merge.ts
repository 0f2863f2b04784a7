import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { CallRecord } from '../budget/call-model.js';
import type { ModelGateway } from '../budget/gateway.js';
import type { DistiqConfig } from '../config/schema.js';
import { resolveCommands } from '../detect/commands.js';
import { DistiqError, ExitCode } from '../errors.js';
import { Git } from '../forge/git.js';
import { describeRefusal, loadPathPolicy, refusedPath } from '../edits/path-policy.js';
import { selectCommands } from '../validation/select-commands.js';
import { validate } from '../validation/validate.js';
import type { CostReport } from '../budget/cost-report.js';
import type { TaskReport } from '../report/fix-report.js';
import type { Failure } from '../validation/failure.js';
import type { PlanFile } from './plan-file.js';
import { assertBase, type ShardReport } from './run-shard.js';

export class ShardConflictError extends DistiqError {
  constructor(readonly conflicts: string[]) {
    super(
      `The shards' patches conflict; nothing was applied: ${conflicts.join('; ')}`,
      ExitCode.NOT_FIXED,
      'Shards must not touch the same files. Re-plan with fewer shards, or run the job on one machine.',
    );
  }
}

/** The `--json` output of `distiq merge` (also the run file). */
export interface MergeReport {
  schemaVersion: 1;
  job: 'merge';
  runId: string;
  plan: { job: 'fix' | 'implement'; baseSha: string; shards: number; tasks: number };
  status: 'fixed' | 'implemented' | 'partial' | 'failed' | 'over-budget';
  shards: {
    shard: number;
    status: ShardReport['status'] | 'missing';
    tasks: number;
    calls: number;
    usd: number;
    sliceUsd: number;
    unspentUsd: number;
    changedFiles: string[];
  }[];
  tasks: (TaskReport & { shard: number })[];
  changedFiles: string[];
  failuresBefore: number;
  failuresAfter: number;
  remaining: Failure[];
  /** Every shard's calls (and the planner's) summed: per tier, per model; per shard above. */
  cost: CostReport;
  durationMs: number;
}

/**
 * Applies every shard's patch onto the plan's commit (in shard order; dependent tasks never cross
 * shards), refusing when two shards touched one file or a patch does not apply (nothing is applied
 * then), validates once in full, and sums the shards' costs into one report.
 */
export async function mergeShards(o: {
  root: string;
  config: DistiqConfig;
  plan: PlanFile;
  fromDir: string;
  runId: string;
  /** Prices the merged records (the shards' own calls, read from their reports). */
  gateway: ModelGateway;
  signal?: AbortSignal;
}): Promise<MergeReport> {
  const started = performance.now();
  // The job runner has recovered the tree and refused a dirty one.
  await assertBase(o.root, o.plan.baseSha, 'merge');
  const reports = o.plan.shards.map((s) => {
    const file = path.join(o.fromDir, `shard-${s.shard}.json`);
    return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as ShardReport) : null;
  });
  // Two shards on one file would need a guess: refuse before touching anything.
  const owner = new Map<string, number>();
  const conflicts: string[] = [];
  for (const r of reports)
    for (const f of r?.changedFiles ?? []) {
      const other = owner.get(f);
      if (other !== undefined && other !== r!.shard)
        conflicts.push(`${f} changed by shards ${other} and ${r!.shard}`);
      else owner.set(f, r!.shard);
    }
  if (conflicts.length) throw new ShardConflictError(conflicts);
  const git = new Git(o.root);
  const applied: string[] = [];
  const policy = loadPathPolicy(o.root, {
    allowPaths: o.config.execute.allowPaths,
    allowWorkflowEdits: o.config.execute.allowWorkflowEdits,
  });
  for (const r of reports) {
    if (!r || r.changedFiles.length === 0) continue;
    const patch = path.resolve(o.fromDir, r.patch);
    // A patch is written by another machine: every path it touches passes the same allowlist.
    const touched = (await git.raw(['apply', '--numstat', '-z', patch]).catch(() => ''))
      .split('\0')
      .map((rec) => rec.split('\t').at(-1) ?? '')
      .filter(Boolean);
    const refused = touched
      .map((p) => ({ p, why: refusedPath(policy, p) }))
      .filter((x) => x.why && x.why.code !== 'untracked');
    if (refused.length > 0) {
      for (const p of applied.reverse()) await git.raw(['apply', '-R', '--binary', p]);
      throw new ShardConflictError(
        refused.map((x) => `shard ${r.shard}'s patch: ${describeRefusal(x.p, x.why!)}`),
      );
    }
    try {
      await git.raw(['apply', '--check', '--binary', patch]);
      await git.raw(['apply', '--binary', patch]);
      applied.push(patch);
    } catch (err) {
      for (const p of applied.reverse()) await git.raw(['apply', '-R', '--binary', p]);
      throw new ShardConflictError([
        `shard ${r.shard}'s patch does not apply: ${(err as Error).message.split('\n').filter(Boolean).slice(0, 2).join(' ')}`,
      ]);
    }
  }
  const commands = selectCommands(
    resolveCommands(o.root, o.config),
    o.plan.job === 'fix' ? o.plan.targets : [],
  );
  const after = await validate(commands, {
    root: o.root,
    secretEnvVars: o.config.secrets.envVars,
    signal: o.signal,
  });
  const records = [
    ...(o.plan.planningRecords as CallRecord[]),
    ...reports.flatMap((r) => r?.records ?? []),
  ];
  const tasks = reports.flatMap((r) => (r?.tasks ?? []).map((t) => ({ ...t, shard: r!.shard })));
  const allOk = reports.every((r) => r?.status === 'done') && after.ok;
  const overBudget = reports.some((r) => r?.status === 'over-budget');
  return {
    schemaVersion: 1,
    job: 'merge',
    runId: o.runId,
    plan: {
      job: o.plan.job,
      baseSha: o.plan.baseSha,
      shards: o.plan.shards.length,
      tasks: o.plan.tasks.length,
    },
    status: allOk
      ? o.plan.job === 'fix'
        ? 'fixed'
        : 'implemented'
      : overBudget
        ? 'over-budget'
        : tasks.some((t) => t.status === 'fixed' || t.status === 'done')
          ? 'partial'
          : 'failed',
    shards: o.plan.shards.map((s, i) => {
      const r = reports[i];
      const usd = (r?.records ?? []).reduce((a, x) => a + x.usd, 0);
      return {
        shard: s.shard,
        status: r?.status ?? 'missing',
        tasks: s.tasks.length,
        calls: r?.records.length ?? 0,
        usd,
        sliceUsd: s.budgetUsd,
        unspentUsd: Math.max(0, s.budgetUsd - usd),
        changedFiles: r?.changedFiles ?? [],
      };
    }),
    tasks,
    changedFiles: [...owner.keys()].sort(),
    failuresBefore: o.plan.failuresBefore,
    failuresAfter: after.failures.length,
    remaining: after.failures,
    cost: o.gateway.costOf(records, o.plan.budgetUsd),
    durationMs: Math.round(performance.now() - started),
  };
}
