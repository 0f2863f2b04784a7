import { Listr, type ListrTaskWrapper } from 'listr2';
import { listrOptions, type ProgressRenderer } from './listr-options.js';
import { eslintFixer } from '../autofix/eslint.js';
import type { Fixer, RepairProposal } from '../autofix/fixer.js';
import { prettierFixer } from '../autofix/prettier.js';
import { rustcFixer } from '../autofix/rustc.js';
import { typescriptFixer } from '../autofix/typescript.js';
import { type BaseChoice, loadHistory, resolveBase } from '../autofix/history.js';
import type { DistiqConfig, TierName } from '../config/schema.js';
import { resolveCommands, type ResolvedCommand } from '../detect/commands.js';
import { InterruptedError } from '../errors.js';
import {
  assertCleanTree,
  assertNewBranchName,
  commitOnNewBranch,
  dirtyPaths,
} from '../forge/git.js';
import type { FixReport, RepairReport, TaskReport } from '../report/fix-report.js';
import { buildCostReport, type FreeRepair } from '../report/cost.js';
import { taskReport } from '../report/task-report.js';
import type { Budget } from '../budget/budget.js';
import type { CallRecorder } from '../budget/call-model.js';
import type { PriceBook, PricedModel } from '../budget/prices.js';
import type { TierLadder } from '../routing/router.js';
import type { ReplayCache } from '../memory/replay-cache.js';
import { JobMemory } from '../memory/job-memory.js';
import { runMemoryTier } from '../memory/memory-tier.js';
import { JobRouting } from '../routing/job-routing.js';
import { repairMessages } from '../execute/repair-prompt.js';
import { JobContext } from '../context/job-context.js';
import {
  type ExecuteDeps,
  type ExecutionState,
  executionTasks,
  finalValidation,
  newExecutionState,
} from '../execute/execute-plan.js';
import { type Failure, failureKey } from '../validation/failure.js';
import { recoverInterruptedEdits } from '../edits/apply-edits.js';
import { loadPathPolicy } from '../edits/path-policy.js';
import { proveEdits } from '../edits/prove.js';
import { judgeRepair } from '../validation/judge-repair.js';
import { relevantFixers } from './fixer-relevance.js';
import { outsideIntent } from '../validation/repair-intent.js';
import { changedFor, type KeptRepair, keptFor, keptRepair } from './kept-repairs.js';
import { type FixTask, planFixTasks } from '../plan/plan-fix.js';
import { type FixTarget, selectCommands } from '../validation/select-commands.js';
import { type Validation, validate } from '../validation/validate.js';

export type { ProgressRenderer } from './listr-options.js';

export interface FixJobRequest {
  root: string;
  config: DistiqConfig;
  targets: FixTarget[];
  tiers: TierName[];
  maxAttempts: number;
  dryRun: boolean;
  allowDirty: boolean;
  branch?: string;
  concurrency: number;
  runId: string;
  renderer: ProgressRenderer;
  /** Where progress goes; stderr when stdout carries JSON. */
  progressStream: NodeJS.WriteStream;
  signal?: AbortSignal;
  models: ModelDeps;
  /** `--base`: the last green commit (see autofix/history.ts). */
  base?: string;
}

/** What the model tiers need; built by the job from config and environment before anything runs. */
export interface ModelDeps {
  ladders: TierLadder[];
  /** Requested tiers the job's role may not use, with the reason. */
  excluded: { tier: TierName; reason: string }[];
  budget: Budget;
  prices: PriceBook;
  recorder: CallRecorder;
  baseline: PricedModel & { label: string };
  perRun: number;
  maxOutputTokens: number;
  maxRetries: number;
  contextTokens: number;
  /** Exact replay cache shared by the job's model calls (fix memory, issue #16). */
  cache?: ReplayCache;
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
  exec?: ExecutionState;
  overBudget: boolean;
  /** Kept $0 repairs, priced at the premium model for the baseline. */
  freeRepairs: FreeRepair[];
  /** Each kept $0 repair: the failures it removed and the files it changed (for task reports). */
  keptFree?: KeptRepair[];
}

/** detect → validate → plan → repair ($0 tier) → re-validate → report. */
export async function runFixJob(req: FixJobRequest): Promise<FixReport> {
  const started = performance.now();
  // A run killed between applying and proving an edit left a journal: undo that edit first.
  const recovered = await recoverInterruptedEdits(req.root);
  if (recovered.length > 0)
    process.stderr.write(
      `distiq: restored ${recovered.join(', ')}: an interrupted run had left unproven edits\n`,
    );
  if (!req.allowDirty && !req.dryRun) await assertCleanTree(req.root);
  // --branch commits only distiq's changes: a file that already held the user's work stays out.
  const dirtyBefore = new Set(req.branch && req.allowDirty ? await dirtyPaths(req.root) : []);
  if (req.branch) await assertNewBranchName(req.root, req.branch);
  await resolveBase(req.root, baseChoice(req)); // a --base that is no commit stops here, before any edit
  const commands = selectCommands(resolveCommands(req.root, req.config), req.targets);
  const fixers = enabledFixers(req);
  const state: JobState = {
    commands,
    tasks: [],
    repairs: [],
    attemptsByFile: new Map(),
    changed: new Set(),
    branch: null,
    overBudget: false,
    freeRepairs: [],
  };
  const usableLadders = req.models.ladders.filter((l) => l.steps.length > 0);
  const secretEnvVars = req.config.secrets.envVars;
  const memory = new JobMemory(req.root); // fix memory (issue #16): learns proven repairs, replays them
  const routing = new JobRouting(req.root); // start tier per task from the repo's outcome log

  const list = new Listr<JobState>(
    [
      {
        title: `Validate: ${commands.map((c) => c.kind).join(', ')}`,
        task: async (ctx, task) => {
          const before = await validate(ctx.commands, {
            root: req.root,
            secretEnvVars,
            signal: req.signal,
            onCommand: (c, r) =>
              (task.output = r
                ? `${c.kind}: exit ${r.exitCode ?? 'killed'}, ${r.failures.length} failure(s)`
                : `${c.kind}: ${c.run}`),
          });
          if (req.signal?.aborted) return; // a killed run proves nothing: no report is made from it
          ctx.before = before;
          ctx.current = ctx.before;
          ctx.tasks = planFixTasks(ctx.before.failures);
          task.title = ctx.before.ok
            ? 'Validate: all commands pass'
            : `Validate: ${ctx.before.failures.length} failure(s) in ${ctx.tasks.length} task(s)`;
        },
      },
      {
        title: req.dryRun ? 'Plan repairs (dry run)' : 'Repair with the autofix tier',
        enabled: () => fixers.length > 0,
        skip: (ctx) => {
          if (!ctx.before || req.signal?.aborted) return 'interrupted';
          if (ctx.before.ok) return 'nothing to fix';
          return relevantFixers(fixers, ctx.before.failures).length === 0
            ? 'no $0 fixer applies to these failures'
            : false;
        },
        task: async (ctx, task) =>
          req.dryRun ? planOnly(ctx, fixers, req, task) : repairLoop(ctx, fixers, req, task),
      },
      {
        title: 'Repair from fix memory',
        enabled: () =>
          req.tiers.includes('memory') && !req.dryRun && memory.memory.all().length > 0,
        skip: (ctx) =>
          !ctx.current || req.signal?.aborted
            ? 'interrupted'
            : ctx.current.ok
              ? 'nothing left to fix'
              : false,
        task: async (ctx, task) => {
          memory.tier = await runMemoryTier({
            root: req.root,
            memory: memory.memory,
            current: () => ctx.current!.failures,
            allowWorkflowEdits: req.config.execute.allowWorkflowEdits,
            signal: req.signal,
            progress: (l) => (task.output = l),
            prove: async (p) => {
              const v = await tryProposal(ctx, p, req);
              ctx.repairs.push({
                ...repairReport(p, v.kept ? 'kept' : 'rejected', v.reason),
                tier: 'memory',
              });
              return v;
            },
          });
          task.title = `Fix memory: ${memory.tier.hits.length} repair(s) replayed at $0, ${memory.tier.rejected} candidate(s) rejected`;
        },
      },
      {
        title: `Repair with models (${usableLadders.map((l) => l.tier).join(' → ')})`,
        enabled: () => usableLadders.length > 0 && !req.dryRun,
        skip: (ctx) =>
          !ctx.current || req.signal?.aborted
            ? 'interrupted'
            : ctx.current.ok
              ? 'nothing left to fix'
              : false,
        task: async (ctx, task) => {
          task.output = 'indexing the repository';
          const context = await JobContext.open(
            req.root,
            req.models.contextTokens,
            baseChoice(req),
          );
          const plan = planFixTasks(ctx.current!.failures, {
            definedIn: context?.definedIn,
            symbolAt: context?.symbolAt,
            moduleFile: context?.moduleFile,
            tier: usableLadders[0]!.tier,
          });
          context?.share(plan);
          routing.route(
            plan,
            usableLadders,
            (t) => repairMessages(req.root, t, [], context?.forTask(t)),
            req.models,
            req.maxAttempts,
          );
          const deps: ExecuteDeps = {
            job: 'fix',
            root: req.root,
            commands: ctx.commands,
            ladders: usableLadders,
            budget: req.models.budget,
            prices: req.models.prices,
            recorder: req.models.recorder,
            maxAttempts: req.maxAttempts,
            maxOutputTokens: req.models.maxOutputTokens,
            maxRetries: req.models.maxRetries,
            secretEnvVars,
            concurrency: req.concurrency,
            context,
            items: [],
            allowWorkflowEdits: req.config.execute.allowWorkflowEdits,
            allowPaths: req.config.execute.allowPaths,
            signal: req.signal,
            cache: req.models.cache,
            onProven: memory.onProven,
            examples: memory.examples,
          };
          const exec = newExecutionState(ctx.current!, plan);
          ctx.exec = exec;
          task.title = `Repair with models: ${plan.length} task(s), up to ${req.concurrency} at once`;
          return task.newListr(
            [
              {
                title: 'Tasks',
                task: (_c, t) =>
                  t.newListr(executionTasks(deps, exec), { concurrent: true, exitOnError: false }),
              },
              {
                title: 'Validate the whole job',
                task: async (_c, t) => {
                  await finalValidation(deps, exec);
                  ctx.current = exec.current;
                  for (const f of exec.changed) ctx.changed.add(f);
                  ctx.repairs.push(...exec.repairs);
                  ctx.overBudget = exec.overBudget;
                  t.title = exec.overBudget
                    ? `Models: stopped at the budget (${exec.current.failures.length} failure(s) left)`
                    : `Models: ${exec.current.failures.length} failure(s) left`;
                },
              },
            ],
            { concurrent: false, exitOnError: true },
          );
        },
      },
      {
        title: `Commit on branch ${req.branch}`,
        enabled: () => Boolean(req.branch) && !req.dryRun,
        skip: (ctx) =>
          req.signal?.aborted
            ? 'interrupted'
            : ctx.changed.size === 0
              ? 'no changes to commit'
              : false,
        task: async (ctx) => {
          const files = [...ctx.changed].filter((f) => !dirtyBefore.has(f)).sort();
          const notCommitted = [...ctx.changed].filter((f) => dirtyBefore.has(f)).sort();
          if (notCommitted.length)
            process.stderr.write(
              `distiq: not committed (they also hold your uncommitted work): ${notCommitted.join(', ')}\n`,
            );
          if (files.length === 0) return; // every repaired file also holds the user's work: nothing of ours alone to commit
          const commit = await commitOnNewBranch(req.root, req.branch!, files, commitMessage(ctx));
          ctx.branch = {
            name: req.branch!,
            commit,
            ...(notCommitted.length ? { notCommitted } : {}),
          };
        },
      },
    ],
    listrOptions(state, req.renderer, req.progressStream),
  );
  await list.run();
  if (!state.before) throw new InterruptedError('during the first validation run');
  const report = buildReport(state, req, started, memory, routing);
  report.memory = memory.finish(state.exec?.outcomes ?? [], req.models.cache, !req.dryRun);
  const logProblem = routing.finish(report);
  if (logProblem) process.stderr.write(`distiq: ${logProblem}\n`);
  return report;
}

function enabledFixers(req: FixJobRequest): Fixer[] {
  if (!req.tiers.includes('autofix')) return [];
  const { autofix } = req.config;
  return [
    autofix.typescript && typescriptFixer,
    autofix.eslint && eslintFixer,
    autofix.prettier && prettierFixer,
    autofix.rustc && rustcFixer,
  ].filter((f): f is Fixer => Boolean(f));
}

/** What the repair stages need from a listr2 task: a title and a progress line. */
type Task = Pick<ListrTaskWrapper<JobState, never, never>, 'title' | 'output'>;

async function planOnly(
  ctx: JobState,
  fixers: Fixer[],
  req: FixJobRequest,
  task: Task,
): Promise<void> {
  for (const fixer of relevantFixers(fixers, ctx.current!.failures)) {
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
async function repairLoop(
  ctx: JobState,
  fixers: Fixer[],
  req: FixJobRequest,
  task: Task,
): Promise<void> {
  for (let round = 1; round <= req.maxAttempts && !ctx.current!.ok; round++) {
    let progressed = false;
    const history = await loadHistory(req.root, baseChoice(req)); // what changed since the last green commit
    for (const fixer of relevantFixers(fixers, ctx.current!.failures)) {
      if (req.signal?.aborted) return;
      task.output = `round ${round}: ${fixer.name} computing repairs`;
      const proposals = await fixer.propose(ctx.current!.failures, fixerContext(req));
      for (const proposal of proposals) {
        if (req.signal?.aborted) return;
        const files = proposal.edits.map((e) => e.path);
        for (const f of files) ctx.attemptsByFile.set(f, (ctx.attemptsByFile.get(f) ?? 0) + 1);
        task.output = `round ${round}: ${fixer.name} trying ${proposal.descriptions.length} repair(s) in ${files.length} file(s)`;
        const outside = outsideIntent(proposal.edits, ctx.current!.failures, history);
        const verdict = outside
          ? { kept: false, reason: `not applied: ${outside}` }
          : await tryProposal(ctx, proposal, req);
        ctx.repairs.push({
          ...repairReport(proposal, verdict.kept ? 'kept' : 'rejected', verdict.reason),
          ...('tampered' in verdict && verdict.tampered ? { tampered: verdict.tampered } : {}),
        });
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
  task.title = after.ok
    ? `Repaired: ${ctx.before!.failures.length} → 0 failures`
    : `Repair: ${ctx.before!.failures.length} → ${after.failures.length} failure(s)`;
}

async function tryProposal(
  ctx: JobState,
  proposal: RepairProposal,
  req: FixJobRequest,
): Promise<{ kept: boolean; reason: string; tampered?: string[] }> {
  // The $0 fixers are deterministic, but what they propose still goes through the path policy.
  const policy = loadPathPolicy(req.root, {
    allowPaths: req.config.execute.allowPaths,
    allowWorkflowEdits: req.config.execute.allowWorkflowEdits,
    commands: ctx.commands.map((c) => c.run),
  });
  const proof = await proveEdits({
    root: req.root,
    edits: proposal.edits,
    guard: { policy },
    signal: req.signal,
    validate: () =>
      validate(ctx.commands, {
        root: req.root,
        secretEnvVars: req.config.secrets.envVars,
        signal: req.signal,
      }),
    judge: (after) => judgeRepair(ctx.current!, after),
  });
  if (!proof.kept)
    return {
      kept: false,
      reason: proof.reason,
      ...(proof.tampered ? { tampered: proof.tampered } : {}),
    };
  ctx.freeRepairs.push({
    promptText:
      proposal.edits.map((e) => e.before ?? '').join('\n') +
      ctx.current!.failures.map((f) => f.message).join('\n'),
    outputText:
      proposal.descriptions.join('\n') +
      proposal.edits.map((e) => changedLines(e.before ?? '', e.after ?? '')).join('\n'),
  });
  (ctx.keptFree ??= []).push(keptRepair(ctx.current!, proof.validation, proof.changed));
  ctx.current = proof.validation;
  for (const f of proof.changed) ctx.changed.add(f);
  return { kept: true, reason: proof.reason };
}

function fixerContext(req: FixJobRequest) {
  return {
    root: req.root,
    secretEnvVars: req.config.secrets.envVars,
    signal: req.signal,
    base: baseChoice(req),
  };
}

function baseChoice(req: FixJobRequest): BaseChoice {
  return { flag: req.base, config: req.config.fix.base };
}

function repairReport(
  p: RepairProposal,
  outcome: RepairReport['outcome'],
  reason?: string,
): RepairReport {
  return {
    fixer: p.fixer,
    tier: 'autofix',
    descriptions: p.descriptions,
    files: p.edits.map((e) => e.path),
    outcome,
    ...(reason ? { reason } : {}),
  };
}

function commitMessage(ctx: JobState): string {
  const kept = ctx.repairs.filter((r) => r.outcome === 'kept');
  const lines = kept.flatMap((r) => r.descriptions.map((d) => `- ${d}`));
  const paid = kept.some((r) => r.tier !== 'autofix');
  return `fix: distiq repaired ${ctx.before!.failures.length - ctx.current!.failures.length} failure(s)${paid ? '' : ' at $0'}\n\n${lines.join('\n')}`;
}

function buildReport(
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
  const records = req.models.recorder.records;
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
    cost: buildCostReport({
      records,
      autofixCalls: req.tiers.includes('autofix') ? autofixCalls : 0,
      freeRepairs: state.freeRepairs,
      prices: req.models.prices,
      baseline: req.models.baseline,
      budget: { perRun: req.models.perRun, spentThisRun: records.reduce((a, r) => a + r.usd, 0) },
    }),
    branch: state.branch,
    durationMs: Math.round(performance.now() - started),
  };
}

function skipReason(ladder: TierLadder | undefined): string {
  if (!ladder || ladder.info.length === 0) return 'no models configured for this tier';
  return ladder.info.map((i) => `${i.provider}/${i.model}: ${i.reason ?? 'unusable'}`).join('; ');
}

/** The lines a repair wrote: the output a model would have had to produce. */
function changedLines(before: string, after: string): string {
  const old = new Set(before.split('\n'));
  return after
    .split('\n')
    .filter((l) => !old.has(l))
    .join('\n');
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
