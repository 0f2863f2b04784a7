import { readFileSync } from 'node:fs';
import type { ListrTask } from 'listr2';
import type { Budget } from '../budget/budget.js';
import {
  type CallRecord,
  CallRecorder,
  callModel,
  ModelCallFailedError,
} from '../budget/call-model.js';
import type { PriceBook } from '../budget/prices.js';
import type { FileEdit } from '../autofix/fixer.js';
import type { JobContext } from '../context/job-context.js';
import type { ResolvedCommand } from '../detect/commands.js';
import { BudgetExceededError, errorMessage } from '../errors.js';
import { resolveSafePath } from '../edits/apply-edits.js';
import { type EditGuard } from '../edits/protected-paths.js';
import { loadPathPolicy } from '../edits/path-policy.js';
import { proveEdits } from '../edits/prove.js';
import {
  describeKey,
  restoreSurface,
  snapshotProofSurface,
  surfaceChanges,
} from '../edits/integrity.js';
import { judgeRepair } from '../validation/judge-repair.js';
import { type Validation, validate, validateScoped } from '../validation/validate.js';
import type { PlanTask } from '../plan/types.js';
import type { ChatMessage } from '../providers/types.js';
import type { RepairReport } from '../report/fix-report.js';
import type { TierLadder } from '../routing/router.js';
import { diffFailures, type Failure, failureKey } from '../validation/failure.js';
import {
  EDITS_JSON_SCHEMA,
  EditApplyError,
  type Edits,
  EditsSchema,
  resolveEdits,
} from '../edits/edit-format.js';
import { Mutex } from './mutex.js';
import { refusedEdit } from '../edits/protected-paths.js';
import { implementMessages, repairMessages } from './repair-prompt.js';
import { TaskScheduler } from './scheduler.js';
import type { ReplayCache } from '../memory/replay-cache.js';

import type { TaskStatus } from '../report/status.js';
import { TIER_NAMES } from '../config/tiers.js';

export type { TaskStatus };

export interface TaskOutcome {
  task: PlanTask;
  status: TaskStatus;
  /** Every step the task went through, cheapest first ("plan" = the planner's own code applied as written). */
  tierPath: string[];
  escalations: string[];
  attempts: number;
  changed: string[];
  calls: CallRecord[];
  reason?: string;
}

export interface ExecuteDeps {
  job: 'fix' | 'implement';
  root: string;
  commands: ResolvedCommand[];
  /** Usable ladders, cheapest first. */
  ladders: TierLadder[];
  budget: Budget;
  prices: PriceBook;
  recorder: CallRecorder;
  maxAttempts: number;
  maxOutputTokens: number;
  maxRetries: number;
  secretEnvVars: readonly string[];
  concurrency: number;
  context: JobContext | null;
  /** implement: the checklist items, by 1-based number. */
  items: string[];
  allowWorkflowEdits: boolean;
  /** execute.allowPaths: globs the path policy allows although it would refuse them. */
  allowPaths?: readonly string[];
  signal?: AbortSignal;
  /** Exact replay cache: identical requests are answered at $0. */
  cache?: ReplayCache;
  /** fix: a model repair was proven (fix memory stores it at the end of the job). */
  onProven?: (taskId: string, fixed: Failure[], edits: FileEdit[], tier: string) => void;
  /** fix: stored repairs that did not prove out here, shown to the model as worked examples. */
  examples?: (failures: Failure[]) => string[];
}

/** Shared by all tasks of a job; only changed under the proof lock. */
export interface ExecutionState {
  current: Validation;
  changed: Set<string>;
  repairs: RepairReport[];
  outcomes: TaskOutcome[];
  overBudget: boolean;
  /** Proofs that ran a narrowed command: the full commands must run again before the job reports. */
  scopedProofs: number;
  peakConcurrency: number;
}

export function newExecutionState(current: Validation, plan: PlanTask[]): ExecutionState {
  return {
    current,
    changed: new Set(),
    repairs: [],
    outcomes: plan.map((task) => ({
      task,
      status: 'skipped',
      tierPath: [],
      escalations: [],
      attempts: 0,
      changed: [],
      calls: [],
    })),
    overBudget: false,
    scopedProofs: 0,
    peakConcurrency: 0,
  };
}

/**
 * One listr2 task per plan task, meant to run with `concurrent: true`: the scheduler decides who
 * runs (dependencies, `--concurrency`, no two tasks on the same files). Model calls run in
 * parallel; applying and proving an edit takes a lock, because the validation commands see the
 * whole working tree: each proof sees exactly the proven edits plus its own.
 */
export function executionTasks(deps: ExecuteDeps, state: ExecutionState): ListrTask[] {
  const scheduler = new TaskScheduler(
    state.outcomes.map((o) => o.task),
    deps.concurrency,
  );
  const lock = new Mutex();
  return state.outcomes.map((outcome) => ({
    title: `${outcome.task.id} ${outcome.task.title}`,
    task: async (_ctx, listrTask) => {
      const grant = await scheduler.acquire(outcome.task.id);
      if (!grant.run) {
        outcome.reason = grant.reason;
        listrTask.skip(`${outcome.task.id}: ${grant.reason}`);
        return;
      }
      state.peakConcurrency = Math.max(state.peakConcurrency, scheduler.peak);
      let ok = false;
      try {
        if (deps.signal?.aborted) return void (outcome.status = 'interrupted');
        if (state.overBudget) {
          outcome.reason = 'not started: the budget is spent';
          return;
        }
        const recorder = new TaskRecorder(deps.recorder);
        try {
          await runTask(
            outcome,
            deps,
            state,
            lock,
            scheduler,
            recorder,
            (line) => (listrTask.output = line),
          );
        } catch (err) {
          // An unexpected fault ends this task only (its edit in progress was rolled back by prove).
          outcome.status = 'failed';
          outcome.reason = `stopped by an error: ${errorMessage(err)}`;
        } finally {
          outcome.calls = recorder.records; // also when the task ended in an error: its calls were paid
        }
        ok = outcome.status === 'fixed' || outcome.status === 'done';
        listrTask.title = `${outcome.task.id} [${outcome.status}] ${outcome.task.title} (${outcome.tierPath.join(' → ') || 'no tier'})`;
      } finally {
        scheduler.release(outcome.task.id, ok ? 'done' : 'failed');
      }
    },
  }));
}

/** After the tasks: the full commands, when any proof ran a narrowed one. */
export async function finalValidation(deps: ExecuteDeps, state: ExecutionState): Promise<void> {
  if (state.scopedProofs === 0 || deps.signal?.aborted) return;
  // The full run executes the kept code again: whatever it changes is put back, as in a proof.
  const before = await snapshotProofSurface(deps.root);
  state.current = await validate(deps.commands, {
    root: deps.root,
    secretEnvVars: deps.secretEnvVars,
    signal: deps.signal,
  });
  const after = await snapshotProofSurface(deps.root);
  const keys = surfaceChanges(before, after);
  if (keys.length > 0) {
    await restoreSurface(deps.root, before, after, keys);
    process.stderr.write(
      `distiq: warning: the final validation changed ${keys.map((k) => describeKey(deps.root, k, before.entries.has(k) ? before : after)).join(', ')}; restored\n`,
    );
  }
}

/** Records a task's calls and passes them on to the job's recorder. */
class TaskRecorder extends CallRecorder {
  constructor(private readonly parent: CallRecorder) {
    super();
  }
  override add(r: CallRecord): void {
    super.add(r);
    this.parent.add(r);
  }
}

type Proof = { kept: true; reason: string } | { kept: false; reason: string };

/**
 * The attempt loop of one task: the planner's own code first (implement), then each tier of the
 * ladder from the task's tier up, `maxAttempts` per tier, every rejection fed back. A tier is left
 * only with a recorded reason. A budget refusal stops the task (and the job); Ctrl-C rolls back
 * only the edit in progress.
 */
async function runTask(
  outcome: TaskOutcome,
  deps: ExecuteDeps,
  state: ExecutionState,
  lock: Mutex,
  scheduler: TaskScheduler,
  recorder: TaskRecorder,
  progress: (line: string) => void,
): Promise<void> {
  const { task } = outcome;
  // Waiting for the proof lock is not a model call: the slot goes to another task meanwhile.
  const proveLocked = async (makeEdits: () => FileEdit[], tier: string) => {
    scheduler.pause(task.id);
    try {
      return await lock.run(() => prove(outcome, makeEdits, tier, deps, state));
    } finally {
      state.peakConcurrency = Math.max(state.peakConcurrency, scheduler.peak);
    }
  };
  const feedback: string[] = [];
  const start = deps.ladders.findIndex((l) => tierRank(l.tier) >= tierRank(task.tier));
  const ladders = start < 0 ? deps.ladders.slice(-1) : deps.ladders.slice(start);
  if (ladders[0] && ladders[0].tier !== task.tier && task.tier !== 'autofix')
    outcome.escalations.push(
      `${task.tier} → ${ladders[0].tier}: the planned tier has no usable model`,
    );
  let done = deps.job === 'fix' && !stillFailing(task, state.current);
  const finish = () => {
    outcome.calls = recorder.records;
    if (deps.signal?.aborted && !done) outcome.status = 'interrupted';
    else if (state.overBudget && !done) outcome.status = 'over-budget';
    else if (deps.job === 'implement') outcome.status = done ? 'done' : 'failed';
    else {
      const left = remainingOf(task, state.current).length;
      outcome.status = left === 0 ? 'fixed' : left < task.failures.length ? 'partial' : 'failed';
    }
  };

  if (!done && deps.job === 'implement' && task.changes.length > 0) {
    outcome.tierPath.push('plan');
    outcome.attempts++;
    progress('applying the planned changes as written');
    const proof = await proveLocked(() => planEdits(deps.root, task), 'plan');
    if (proof.kept) done = true;
    else feedback.push(`the plan's changes applied as written were rejected: ${proof.reason}`);
  }

  for (const [i, ladder] of ladders.entries()) {
    if (done || state.overBudget || deps.signal?.aborted) break;
    outcome.tierPath.push(ladder.tier);
    for (let attempt = 1; attempt <= deps.maxAttempts && !done; attempt++) {
      if (deps.job === 'fix' && !stillFailing(task, state.current)) {
        done = true; // another task's repair fixed these too
        break;
      }
      await scheduler.resume(task.id);
      outcome.attempts++;
      progress(`${ladder.tier} attempt ${attempt}`);
      let answer: Edits;
      let answerJson: unknown; // as callModel returned it: the replay cache forgets it if rejected
      try {
        const call = await callModel({
          steps: ladder.steps,
          request: {
            messages: messagesFor(task, deps, state, feedback),
            jsonSchema: { name: 'edits', schema: EDITS_JSON_SCHEMA },
            maxOutputTokens: deps.maxOutputTokens,
            signal: deps.signal,
          },
          budget: deps.budget,
          prices: deps.prices,
          recorder,
          maxRetries: deps.maxRetries,
          validate: (json) => {
            const parsed = EditsSchema.safeParse(json);
            return parsed.success
              ? null
              : parsed.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ');
          },
          onEvent: progress,
          cache: deps.cache,
        });
        outcome.escalations.push(...call.escalations.map((e) => `provider fallback: ${e}`));
        answerJson = call.json;
        answer = EditsSchema.parse(call.json);
      } catch (err) {
        if (deps.signal?.aborted) return finish();
        if (err instanceof BudgetExceededError) {
          state.overBudget = true;
          outcome.escalations.push(`stopped: ${err.message}`);
          return finish();
        }
        if (err instanceof ModelCallFailedError) {
          outcome.escalations.push(`${ladder.tier} unavailable: ${err.reasons.join('; ')}`);
          break; // next tier
        }
        throw err;
      }
      const proof = await proveLocked(() => resolveEdits(deps.root, answer.edits), ladder.tier);
      if (deps.signal?.aborted) return finish();
      if (proof.kept) {
        done = deps.job === 'implement' || !stillFailing(task, state.current);
        if (!done)
          feedback.push(
            `progress, but still failing: ${remainingOf(task, state.current)
              .map((f) => f.message.split('\n')[0])
              .join('; ')}`,
          );
      } else {
        deps.cache?.forget(answerJson);
        feedback.push(proof.reason);
      }
    }
    const next = ladders[i + 1];
    if (!done && !state.overBudget && !deps.signal?.aborted && next)
      outcome.escalations.push(
        `${ladder.tier} → ${next.tier}: validation still failing after ${deps.maxAttempts} attempt(s) (${feedback.at(-1) ?? 'no usable answer'})`,
      );
  }
  finish();
}

/**
 * Under the lock: turn the answer into whole-file edits against the tree as it is now, refuse what
 * may not be written, check syntax, apply, run the commands, keep or roll back exactly.
 */
async function prove(
  outcome: TaskOutcome,
  makeEdits: () => FileEdit[],
  tier: string,
  deps: ExecuteDeps,
  state: ExecutionState,
): Promise<Proof> {
  const { task } = outcome;
  const reject = (reason: string, files: string[] = []): Proof => {
    state.repairs.push({
      fixer: tier === 'plan' ? 'plan' : 'model',
      tier,
      descriptions: [`${task.id} ${task.title}`],
      files,
      outcome: 'rejected',
      reason,
    });
    return { kept: false, reason };
  };
  if (deps.signal?.aborted) return { kept: false, reason: 'interrupted' };
  let edits: FileEdit[];
  try {
    edits = makeEdits();
  } catch (err) {
    if (err instanceof EditApplyError) return reject(err.message);
    throw err;
  }
  if (edits.length === 0) return reject('the edits changed nothing');
  const guard = editGuard(task, deps, state);
  const refused = refusedEdit(edits, guard);
  if (refused)
    return reject(
      refused,
      edits.map((e) => e.path),
    );
  const broken = await syntaxRegressions(edits);
  if (broken.length > 0)
    return reject(
      `the edit breaks the syntax: ${broken.slice(0, 3).join('; ')}`,
      edits.map((e) => e.path),
    );
  let scoped = false;
  const proof = await proveEdits<Validation>({
    root: deps.root,
    edits,
    guard,
    signal: deps.signal,
    validate: async () => {
      const res = await validateScoped(
        deps.commands,
        [...new Set([...task.files, ...edits.map((e) => e.path)])],
        state.current,
        { root: deps.root, secretEnvVars: deps.secretEnvVars, signal: deps.signal },
      );
      scoped = res.scoped;
      return res.validation;
    },
    judge: (after) => judgeRepair(state.current, after, { requireProgress: deps.job === 'fix' }),
  });
  if (proof.kept === false && proof.interrupted) return { kept: false, reason: 'interrupted' };
  if (proof.kept === false && (proof.refused || !proof.validation))
    return reject(
      proof.reason,
      edits.map((e) => e.path),
    );
  if (scoped) state.scopedProofs++;
  state.repairs.push({
    fixer: tier === 'plan' ? 'plan' : 'model',
    tier,
    descriptions: [`${task.id} ${task.title}`],
    files: edits.map((e) => e.path),
    outcome: proof.kept ? 'kept' : 'rejected',
    reason: proof.reason,
    ...(proof.kept === false && proof.tampered ? { tampered: proof.tampered } : {}),
  });
  if (!proof.kept) return { kept: false, reason: proof.reason };
  const after = proof.validation;
  deps.onProven?.(task.id, diffFailures(state.current.failures, after.failures).fixed, edits, tier);
  state.current = after;
  for (const f of proof.changed) state.changed.add(f);
  outcome.changed.push(...proof.changed.filter((f) => !outcome.changed.includes(f)));
  try {
    await deps.context?.refresh(); // lines moved: re-index (only the edited files are parsed again)
  } catch (err) {
    outcome.escalations.push(
      `re-index failed (${errorMessage(err)}); later prompts use the previous index`,
    );
  }
  return { kept: true, reason: proof.reason };
}

/**
 * The path policy for this task: fix writes the files of its failures plus the definitions its plan
 * joined; implement the files its validated plan names. Files the plan creates, and files distiq
 * itself created and kept earlier in the job, are writable although git does not track them yet.
 */
function editGuard(task: PlanTask, deps: ExecuteDeps, state: ExecutionState): EditGuard {
  const policy = loadPathPolicy(deps.root, {
    allowPaths: deps.allowPaths,
    allowWorkflowEdits: deps.allowWorkflowEdits,
    commands: deps.commands.flatMap((c) => [c.run, c.scoped ?? '']),
  });
  const planned = task.changes.map((c) => c.path);
  const created = [
    ...task.changes.filter((c) => c.action === 'create').map((c) => c.path),
    ...state.changed,
  ];
  return { policy, scope: { files: [...new Set([...task.files, ...planned])], created } };
}

function messagesFor(
  task: PlanTask,
  deps: ExecuteDeps,
  state: ExecutionState,
  feedback: string[],
): ChatMessage[] {
  if (deps.job === 'fix') {
    const failures = remainingOf(task, state.current);
    return repairMessages(
      deps.root,
      { failures },
      feedback,
      deps.context?.forTask(task, failures),
      deps.examples?.(failures),
    );
  }
  const items = task.items
    .map((n) => deps.items[n - 1])
    .filter((t): t is string => t !== undefined);
  return implementMessages(task, items, feedback, deps.context?.forTask(task));
}

/** The planner's changes as edits: modify = search/replace, create = the new content, delete = delete. */
function planEdits(root: string, task: PlanTask): FileEdit[] {
  const asModelEdits = task.changes
    .filter((f) => f.action !== 'delete')
    .flatMap((f) =>
      f.action === 'create'
        ? [{ path: f.path, search: '', replace: f.changes.map((c) => c.new).join('\n') }]
        : f.changes.map((c) => ({ path: f.path, search: c.old, replace: c.new })),
    );
  const edits = asModelEdits.length ? resolveEdits(root, asModelEdits) : [];
  for (const f of task.changes.filter((c) => c.action === 'delete')) {
    const abs = resolveSafePath(root, f.path);
    let before: string;
    try {
      before = readFileSync(abs, 'utf8');
    } catch {
      throw new EditApplyError(`delete ${f.path}: the file does not exist`);
    }
    edits.push({ path: f.path, before, after: null });
  }
  return edits;
}

async function syntaxRegressions(edits: FileEdit[]): Promise<string[]> {
  const { isSyntaxCheckable, newSyntaxProblems } = await import('../context/syntax-check.js');
  const out: string[] = [];
  for (const e of edits) {
    if (e.after === null || !isSyntaxCheckable(e.path)) continue;
    for (const p of await newSyntaxProblems(e.path, e.before, e.after))
      out.push(`${e.path}:${p.line}: ${p.message}`);
  }
  return out;
}

/** Cheapest first: the one tier order (config/tiers). */
function tierRank(tier: string): number {
  return (TIER_NAMES as readonly string[]).indexOf(tier);
}

function remainingOf(task: PlanTask, v: Validation): PlanTask['failures'] {
  return diffFailures(
    task.failures,
    v.failures.filter((f) => task.failures.some((t) => failureKey(t) === failureKey(f))),
  ).remaining;
}

function stillFailing(task: PlanTask, v: Validation): boolean {
  const keys = new Set(v.failures.map(failureKey));
  return task.failures.some((f) => keys.has(failureKey(f)));
}
