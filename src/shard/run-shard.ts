import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Listr } from 'listr2';
import type { CallRecord } from '../budget/call-model.js';
import type { DistiqConfig } from '../config/schema.js';
import { JobContext } from '../context/job-context.js';
import { resolveCommands } from '../detect/commands.js';
import { UsageError } from '../errors.js';
import {
  type ExecuteDeps,
  executionTasks,
  finalValidation,
  newExecutionState,
} from '../execute/execute-plan.js';
import { Git } from '../forge/git.js';
import type { ModelDeps } from '../routing/model-deps.js';
import { listrOptions, type ProgressRenderer } from '../pipeline/listr-options.js';
import { selectCommands } from '../validation/select-commands.js';
import { validate } from '../validation/validate.js';
import type { TaskReport } from '../report/fix-report.js';
import { taskReport } from '../report/task-report.js';
import type { PlanFile } from './plan-file.js';

/** What `distiq run --shard K` leaves next to its patch: read by `distiq merge`. */
export interface ShardReport {
  schemaVersion: 1;
  job: 'shard';
  shard: number;
  runId: string;
  status: 'done' | 'partial' | 'failed' | 'over-budget';
  tasks: TaskReport[];
  /** Every model call of the shard, as recorded: merge sums them into one cost table. */
  records: CallRecord[];
  budget: { sliceUsd: number; spentUsd: number; unspentUsd: number };
  changedFiles: string[];
  patch: string;
  failuresBefore: number;
  failuresAfter: number;
  durationMs: number;
}

export async function assertBase(root: string, baseSha: string, what: string): Promise<void> {
  const head = await new Git(root).head();
  if (head !== baseSha)
    throw new UsageError(
      `${what} must start from the plan's commit ${baseSha.slice(0, 12)}, but HEAD is ${head.slice(0, 12)}`,
      'Check out the commit the plan was made on (the workflow passes it to every job).',
    );
}

/**
 * Runs one shard of a plan: the same engine as a single-machine run (scheduler, proofs, escalation),
 * the same stable prefix (shared code of the whole plan, so prompts and costs match a single run),
 * on this shard's slice of the job budget. Leaves a binary patch and a report in `outDir`.
 */
export async function runShard(o: {
  root: string;
  config: DistiqConfig;
  plan: PlanFile;
  shard: number;
  outDir: string;
  models: ModelDeps;
  concurrency: number;
  maxAttempts: number;
  runId: string;
  renderer: ProgressRenderer;
  progressStream: NodeJS.WriteStream;
  signal?: AbortSignal;
}): Promise<ShardReport> {
  const started = performance.now();
  const shard = o.plan.shards.find((s) => s.shard === o.shard);
  if (!shard)
    throw new UsageError(
      `The plan has no shard ${o.shard} (shards: ${o.plan.shards.map((s) => s.shard).join(', ')})`,
    );
  // The job runner has recovered the tree and refused a dirty one.
  await assertBase(o.root, o.plan.baseSha, `Shard ${o.shard}`);
  const commands = selectCommands(
    resolveCommands(o.root, o.config),
    o.plan.job === 'fix' ? o.plan.targets : [],
  );
  const secretEnvVars = o.config.secrets.envVars;
  const before = await validate(commands, { root: o.root, secretEnvVars, signal: o.signal });
  const context = await JobContext.open(o.root, o.models.contextTokens);
  context?.share(o.plan.tasks); // the whole plan's prefix: byte-identical to a single-machine run
  const mine = o.plan.tasks.filter((t) => shard.tasks.includes(t.id));
  const state = newExecutionState(before, mine);
  const deps: ExecuteDeps = {
    job: o.plan.job,
    root: o.root,
    commands,
    ladders: o.models.ladders.filter((l) => l.steps.length > 0),
    gateway: o.models.gateway,
    maxAttempts: o.maxAttempts,
    secretEnvVars,
    concurrency: o.concurrency,
    context,
    items: o.plan.items,
    allowWorkflowEdits: o.config.execute.allowWorkflowEdits,
    allowPaths: o.config.execute.allowPaths,
    signal: o.signal,
  };
  await new Listr(executionTasks(deps, state), {
    ...listrOptions(undefined, o.renderer, o.progressStream),
    concurrent: true,
    exitOnError: false,
  }).run();
  await finalValidation(deps, state);
  const changedFiles = [...state.changed].sort();
  mkdirSync(o.outDir, { recursive: true });
  const patchName = `shard-${o.shard}.patch`;
  writeFileSync(path.join(o.outDir, patchName), await binaryDiff(o.root, changedFiles));
  const spent = o.models.gateway.spent();
  const ok = state.outcomes.every((x) => x.status === 'fixed' || x.status === 'done');
  const report: ShardReport = {
    schemaVersion: 1,
    job: 'shard',
    shard: o.shard,
    runId: o.runId,
    status: state.overBudget
      ? 'over-budget'
      : ok
        ? 'done'
        : state.outcomes.some((x) => x.status === 'fixed' || x.status === 'done')
          ? 'partial'
          : 'failed',
    tasks: state.outcomes.map((x) => taskReport(x)),
    records: [...o.models.gateway.records()],
    budget: {
      sliceUsd: shard.budgetUsd,
      spentUsd: spent,
      unspentUsd: Math.max(0, shard.budgetUsd - spent),
    },
    changedFiles,
    patch: patchName,
    failuresBefore: before.failures.length,
    failuresAfter: state.current.failures.length,
    durationMs: Math.round(performance.now() - started),
  };
  writeFileSync(
    path.join(o.outDir, `shard-${o.shard}.json`),
    JSON.stringify(report, null, 2) + '\n',
  );
  return report;
}

/** `git diff --binary` of the changed files against HEAD, new files included (intent-to-add, then undone). */
async function binaryDiff(root: string, files: string[]): Promise<string> {
  if (files.length === 0) return '';
  const git = new Git(root);
  const existing = files.filter((f) => existsSync(path.join(root, f)));
  if (existing.length) await git.raw(['add', '--intent-to-add', '--', ...existing]);
  try {
    return await git.raw(['diff', '--binary', 'HEAD', '--', ...files]);
  } finally {
    if (existing.length) await git.raw(['reset', '-q', '--', ...existing]);
  }
}
