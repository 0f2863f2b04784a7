import { Listr, ListrLogger, ProcessOutput, type ListrTaskWrapper } from 'listr2';
import { eslintFixer } from '../autofix/eslint.js';
import type { Fixer, RepairProposal } from '../autofix/fixer.js';
import { prettierFixer } from '../autofix/prettier.js';
import { rustcFixer } from '../autofix/rustc.js';
import { typescriptFixer } from '../autofix/typescript.js';
import type { DistiqConfig, TierName } from '../config/schema.js';
import { resolveCommands, type ResolvedCommand } from '../detect/commands.js';
import { errorMessage } from '../errors.js';
import { assertCleanTree, assertNewBranchName, commitOnNewBranch } from '../forge/git.js';
import type { FixReport, RepairReport, TaskReport } from '../report/fix-report.js';
import { type Failure, failureKey } from '../validation/failure.js';
import { applyEdits } from './apply-edits.js';
import { judgeRepair } from './judge-repair.js';
import { type FixTask, planFixTasks } from './plan-fix.js';
import { type FixTarget, selectCommands } from './select-commands.js';
import { type Validation, validate } from './validate.js';

export type ProgressRenderer = 'default' | 'simple' | 'silent';

export interface FixJobRequest {
  root: string;
  config: DistiqConfig;
  targets: FixTarget[];
  tiers: TierName[];
  maxAttempts: number;
  dryRun: boolean;
  allowDirty: boolean;
  branch?: string;
  renderer: ProgressRenderer;
  /** Where progress goes; stderr when stdout carries JSON. */
  progressStream: NodeJS.WriteStream;
  signal?: AbortSignal;
}

interface JobState {
  commands: ResolvedCommand[];
  before?: Validation;
  current?: Validation;
  tasks: FixTask[];
  repairs: RepairReport[];
  attemptsByFile: Map<string, number>;
  changed: Set<string>;
  branch: FixReport['branch'];
}

const MODEL_TIERS_PENDING = 'model tiers need providers, which are not configured in this version';

/** detect → validate → plan → repair ($0 tier) → re-validate → report. */
export async function runFixJob(req: FixJobRequest): Promise<FixReport> {
  const started = performance.now();
  if (!req.allowDirty && !req.dryRun) await assertCleanTree(req.root);
  if (req.branch) await assertNewBranchName(req.root, req.branch);
  const commands = selectCommands(resolveCommands(req.root, req.config), req.targets);
  const fixers = enabledFixers(req);
  const state: JobState = { commands, tasks: [], repairs: [], attemptsByFile: new Map(), changed: new Set(), branch: null };
  const secretEnvVars = req.config.secrets.envVars;

  const list = new Listr<JobState>(
    [
      {
        title: `Validate: ${commands.map((c) => c.kind).join(', ')}`,
        task: async (ctx, task) => {
          ctx.before = await validate(ctx.commands, { root: req.root, secretEnvVars, signal: req.signal, onCommand: (c, r) => (task.output = r ? `${c.kind}: exit ${r.exitCode ?? 'killed'}, ${r.failures.length} failure(s)` : `${c.kind}: ${c.run}`) });
          ctx.current = ctx.before;
          ctx.tasks = planFixTasks(ctx.before.failures);
          task.title = ctx.before.ok ? 'Validate: all commands pass' : `Validate: ${ctx.before.failures.length} failure(s) in ${ctx.tasks.length} task(s)`;
        },
      },
      {
        title: req.dryRun ? 'Plan repairs (dry run)' : 'Repair with the autofix tier',
        enabled: () => fixers.length > 0,
        skip: (ctx) => (ctx.before?.ok ? 'nothing to fix' : false),
        task: async (ctx, task) => (req.dryRun ? planOnly(ctx, fixers, req, task) : repairLoop(ctx, fixers, req, task)),
      },
      {
        title: `Commit on branch ${req.branch}`,
        enabled: () => Boolean(req.branch) && !req.dryRun,
        skip: (ctx) => (ctx.changed.size === 0 ? 'no changes to commit' : false),
        task: async (ctx) => {
          const files = [...ctx.changed].sort();
          const commit = await commitOnNewBranch(req.root, req.branch!, files, commitMessage(ctx));
          ctx.branch = { name: req.branch!, commit };
        },
      },
    ],
    {
      ctx: state,
      // listr2 types the renderer by literal; the three values are all built-in renderers.
      renderer: req.renderer as 'default',
      fallbackRenderer: 'simple',
      rendererOptions: { logger: new ListrLogger({ processOutput: new ProcessOutput(req.progressStream, req.progressStream) }) },
      fallbackRendererOptions: { logger: new ListrLogger({ processOutput: new ProcessOutput(req.progressStream, req.progressStream) }) },
      exitOnError: true,
      registerSignalListeners: false,
      collectErrors: false,
    },
  );
  await list.run();
  return buildReport(state, req, started);
}

function enabledFixers(req: FixJobRequest): Fixer[] {
  if (!req.tiers.includes('autofix')) return [];
  const { autofix } = req.config;
  return [autofix.typescript && typescriptFixer, autofix.eslint && eslintFixer, autofix.prettier && prettierFixer, autofix.rustc && rustcFixer].filter((f): f is Fixer => Boolean(f));
}

/** What the repair stages need from a listr2 task: a title and a progress line. */
type Task = Pick<ListrTaskWrapper<JobState, never, never>, 'title' | 'output'>;

async function planOnly(ctx: JobState, fixers: Fixer[], req: FixJobRequest, task: Task): Promise<void> {
  for (const fixer of fixers) {
    task.output = `${fixer.name}: computing`;
    const [first] = await fixer.propose(ctx.current!.failures, fixerContext(req));
    if (first) ctx.repairs.push(repairReport(first, 'planned'));
  }
  task.title = `Planned ${ctx.repairs.length} repair(s); nothing was changed`;
}

/**
 * Each round asks every fixer for proposals; a proposal is applied, the same commands are re-run,
 * and it is kept only if failures went down and none appeared, otherwise it is rolled back exactly.
 */
async function repairLoop(ctx: JobState, fixers: Fixer[], req: FixJobRequest, task: Task): Promise<void> {
  for (let round = 1; round <= req.maxAttempts && !ctx.current!.ok; round++) {
    let progressed = false;
    for (const fixer of fixers) {
      if (req.signal?.aborted) return;
      task.output = `round ${round}: ${fixer.name} computing repairs`;
      const proposals = await fixer.propose(ctx.current!.failures, fixerContext(req));
      for (const proposal of proposals) {
        if (req.signal?.aborted) return;
        const files = proposal.edits.map((e) => e.path);
        for (const f of files) ctx.attemptsByFile.set(f, (ctx.attemptsByFile.get(f) ?? 0) + 1);
        task.output = `round ${round}: ${fixer.name} trying ${proposal.descriptions.length} repair(s) in ${files.length} file(s)`;
        const verdict = await tryProposal(ctx, proposal, req);
        ctx.repairs.push(repairReport(proposal, verdict.kept ? 'kept' : 'rejected', verdict.reason));
        task.output = `round ${round}: ${fixer.name} ${verdict.kept ? 'kept' : 'rolled back'} (${verdict.reason})`;
        if (verdict.kept) {
          progressed = true;
          break; // later proposals of this fixer were computed against the old tree
        }
      }
      if (ctx.current!.ok) break;
    }
    if (!progressed) break;
  }
  const after = ctx.current!;
  task.title = after.ok ? `Repaired: ${ctx.before!.failures.length} → 0 failures` : `Repair: ${ctx.before!.failures.length} → ${after.failures.length} failure(s)`;
}

async function tryProposal(ctx: JobState, proposal: RepairProposal, req: FixJobRequest): Promise<{ kept: boolean; reason: string }> {
  let applied;
  try {
    applied = await applyEdits(req.root, proposal.edits);
  } catch (err) {
    return { kept: false, reason: errorMessage(err) };
  }
  try {
    const after = await validate(ctx.commands, { root: req.root, secretEnvVars: req.config.secrets.envVars, signal: req.signal });
    if (req.signal?.aborted) throw new Error('interrupted');
    const verdict = judgeRepair(ctx.current!, after);
    if (verdict.keep) {
      ctx.current = after;
      for (const f of applied.changed) ctx.changed.add(f);
      return { kept: true, reason: verdict.reason };
    }
    await applied.rollback();
    return { kept: false, reason: verdict.reason };
  } catch (err) {
    await applied.rollback(); // interrupted or crashed mid-validation: never leave an unproven edit
    throw err;
  }
}

function fixerContext(req: FixJobRequest) {
  return { root: req.root, secretEnvVars: req.config.secrets.envVars, signal: req.signal };
}

function repairReport(p: RepairProposal, outcome: RepairReport['outcome'], reason?: string): RepairReport {
  return { fixer: p.fixer, tier: 'autofix', descriptions: p.descriptions, files: p.edits.map((e) => e.path), outcome, ...(reason ? { reason } : {}) };
}

function commitMessage(ctx: JobState): string {
  const kept = ctx.repairs.filter((r) => r.outcome === 'kept');
  const lines = kept.flatMap((r) => r.descriptions.map((d) => `- ${d}`));
  return `fix: distiq repaired ${ctx.before!.failures.length - ctx.current!.failures.length} failure(s) at $0\n\n${lines.join('\n')}`;
}

function buildReport(state: JobState, req: FixJobRequest, started: number): FixReport {
  const before = state.before!;
  const after = state.current ?? before;
  const remainingKeys = new Map<string, number>();
  for (const f of after.failures) remainingKeys.set(failureKey(f), (remainingKeys.get(failureKey(f)) ?? 0) + 1);
  const tasks: TaskReport[] = state.tasks.map((t) => {
    const left = countRemaining(t.failures, remainingKeys);
    return {
      id: t.id,
      title: t.title,
      tier: 'autofix',
      attempts: t.scope.reduce((n, f) => n + (state.attemptsByFile.get(f) ?? 0), 0),
      status: left === 0 ? 'fixed' : left < t.failures.length ? 'partial' : 'failed',
      failures: t.failures.length,
    };
  });
  const status: FixReport['status'] = before.ok ? 'nothing-to-fix' : after.ok ? 'fixed' : after.failures.length < before.failures.length ? 'partial' : 'failed';
  const autofixCalls = state.repairs.length;
  return {
    schemaVersion: 1,
    status,
    dryRun: req.dryRun,
    failuresBefore: before.failures.length,
    failuresAfter: after.failures.length,
    changedFiles: [...state.changed].sort(),
    tasks,
    repairs: state.repairs,
    commands: before.results.map((r, i) => ({ kind: r.kind, command: r.command, exitCodeBefore: r.exitCode, exitCodeAfter: after.results[i]?.exitCode ?? r.exitCode, durationMs: r.durationMs })),
    remaining: after.failures,
    skippedTiers: req.tiers.filter((t) => t !== 'autofix').map((tier) => ({ tier, reason: MODEL_TIERS_PENDING })),
    cost: { usd: 0, baselineUsd: 0, byTier: req.tiers.includes('autofix') ? { autofix: { calls: autofixCalls, inputTokens: 0, outputTokens: 0, usd: 0 } } : {} },
    branch: state.branch,
    durationMs: Math.round(performance.now() - started),
  };
}

function countRemaining(failures: Failure[], remaining: Map<string, number>): number {
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
