import type { Budget } from '../budget/budget.js';
import { type CallRecorder, callModel, ModelCallFailedError } from '../budget/call-model.js';
import type { PriceBook } from '../budget/prices.js';
import { BudgetExceededError } from '../errors.js';
import { EDITS_JSON_SCHEMA, EditApplyError, EditsSchema, resolveEdits } from '../execute/edit-format.js';
import { buildIndex } from '../context/index.js';
import type { RepoIndex } from '../context/index-types.js';
import { lineReader } from '../context/line-reader.js';
import { localizeFailures } from '../context/localize.js';
import { packContext } from '../context/pack.js';
import { buildRepoMap } from '../context/repo-map.js';
import { repairMessages, type TaskContext } from '../execute/repair-prompt.js';
import type { Failure } from '../validation/failure.js';
import type { TierLadder } from '../routing/router.js';
import { diffFailures, failureKey } from '../validation/failure.js';
import { applyEdits } from './apply-edits.js';
import { judgeRepair } from './judge-repair.js';
import { planFixTasks, type FixTask } from './plan-fix.js';
import { type Validation, validate } from './validate.js';
import type { ResolvedCommand } from '../detect/commands.js';
import type { RepairReport } from '../report/fix-report.js';

export interface ModelStageContext {
  root: string;
  commands: ResolvedCommand[];
  current: Validation;
  ladders: TierLadder[];
  budget: Budget;
  prices: PriceBook;
  recorder: CallRecorder;
  maxAttempts: number;
  maxOutputTokens: number;
  maxRetries: number;
  /** Token budget of the localized context per task (the repo map gets an eighth of it). */
  contextTokens: number;
  secretEnvVars: readonly string[];
  signal?: AbortSignal;
  onProgress: (line: string) => void;
}

export interface TaskOutcome {
  task: FixTask;
  tierPath: string[];
  escalations: string[];
  attempts: number;
}

export interface ModelStageResult {
  current: Validation;
  changed: Set<string>;
  repairs: RepairReport[];
  outcomes: TaskOutcome[];
  overBudget: boolean;
}

/**
 * For each task still failing after the $0 tier: ask the cheapest usable tier for edits, apply,
 * prove with the same commands, roll back on failure with the failure fed back, and move up the
 * ladder only with a recorded reason. A budget refusal stops the stage; proven work stays.
 */
export async function runModelStage(ctx: ModelStageContext): Promise<ModelStageResult> {
  const out: ModelStageResult = { current: ctx.current, changed: new Set(), repairs: [], outcomes: [], overBudget: false };
  const ladders = ctx.ladders.filter((l) => l.steps.length > 0);
  const engine = await ContextEngine.open(ctx.root, ctx.contextTokens);
  for (const task of planFixTasks(ctx.current.failures)) {
    const outcome: TaskOutcome = { task, tierPath: [], escalations: [], attempts: 0 };
    out.outcomes.push(outcome);
    let done = false;
    for (const ladder of ladders) {
      if (done || out.overBudget || ctx.signal?.aborted) break;
      outcome.tierPath.push(ladder.tier);
      const feedback: string[] = [];
      for (let attempt = 1; attempt <= ctx.maxAttempts && !done; attempt++) {
        if (!stillFailing(task, out.current)) {
          done = true;
          break;
        }
        outcome.attempts++;
        ctx.onProgress(`${task.id} ${task.title}: ${ladder.tier} attempt ${attempt}`);
        let edits;
        try {
          const call = await callModel({
            steps: ladder.steps,
            request: { messages: repairMessages(ctx.root, { ...task, failures: remainingOf(task, out.current) }, feedback, engine?.forFailures(remainingOf(task, out.current))), jsonSchema: { name: 'edits', schema: EDITS_JSON_SCHEMA }, maxOutputTokens: ctx.maxOutputTokens, signal: ctx.signal },
            budget: ctx.budget,
            prices: ctx.prices,
            recorder: ctx.recorder,
            maxRetries: ctx.maxRetries,
            validate: (json) => {
              const parsed = EditsSchema.safeParse(json);
              return parsed.success ? null : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
            },
            onEvent: ctx.onProgress,
          });
          outcome.escalations.push(...call.escalations.map((e) => `provider fallback: ${e}`));
          edits = resolveEdits(ctx.root, EditsSchema.parse(call.json).edits);
        } catch (err) {
          if (ctx.signal?.aborted) return out; // Ctrl-C: proven work stays, nothing is half-applied
          if (err instanceof BudgetExceededError) {
            out.overBudget = true;
            outcome.escalations.push(`stopped: ${err.message}`);
            return out;
          }
          if (err instanceof ModelCallFailedError) {
            outcome.escalations.push(`${ladder.tier} unavailable: ${err.reasons.join('; ')}`);
            break; // next tier
          }
          if (err instanceof EditApplyError) {
            feedback.push(err.message);
            out.repairs.push({ fixer: 'model', tier: ladder.tier, descriptions: [`${task.title}`], files: [], outcome: 'rejected', reason: err.message });
            continue;
          }
          throw err;
        }
        if (edits.length === 0) {
          feedback.push('the edits changed nothing');
          continue;
        }
        // The cheap check first: an edit that breaks the syntax is rejected before the slow build.
        const broken = await syntaxRegressions(edits);
        if (broken.length > 0) {
          const reason = `the edit breaks the syntax: ${broken.slice(0, 3).join('; ')}`;
          feedback.push(reason);
          out.repairs.push({ fixer: 'model', tier: ladder.tier, descriptions: [task.title], files: edits.map((e) => e.path), outcome: 'rejected', reason });
          continue;
        }
        const applied = await applyEdits(ctx.root, edits);
        let after: Validation;
        try {
          after = await validate(ctx.commands, { root: ctx.root, secretEnvVars: ctx.secretEnvVars, signal: ctx.signal });
        } catch (err) {
          await applied.rollback();
          throw err;
        }
        if (ctx.signal?.aborted) {
          await applied.rollback(); // validation was cut short: the edit is unproven
          return out;
        }
        const verdict = judgeRepair(out.current, after);
        out.repairs.push({ fixer: 'model', tier: ladder.tier, descriptions: [task.title], files: edits.map((e) => e.path), outcome: verdict.keep ? 'kept' : 'rejected', reason: verdict.reason });
        if (verdict.keep) {
          await engine?.refresh(); // lines moved: re-index (only the edited files are parsed again)
          out.current = after;
          for (const f of applied.changed) out.changed.add(f);
          done = !stillFailing(task, after);
          if (!done) feedback.push(`progress, but still failing: ${remainingOf(task, after).map((f) => f.message.split('\n')[0]).join('; ')}`);
        } else {
          await applied.rollback();
          feedback.push(verdict.reason);
        }
      }
      if (!done && !out.overBudget) {
        const next = ladders[ladders.indexOf(ladder) + 1];
        if (next) outcome.escalations.push(`${ladder.tier} → ${next.tier}: validation still failing after ${ctx.maxAttempts} attempt(s) (${feedback.at(-1) ?? 'no usable answer'})`);
      }
    }
  }
  return out;
}

async function syntaxRegressions(edits: { path: string; before: string | null; after: string }[]): Promise<string[]> {
  const { isSyntaxCheckable, newSyntaxProblems } = await import('../context/syntax-check.js');
  const out: string[] = [];
  for (const e of edits) {
    if (!isSyntaxCheckable(e.path)) continue;
    for (const p of await newSyntaxProblems(e.path, e.before, e.after)) out.push(`${e.path}:${p.line}: ${p.message}`);
  }
  return out;
}

/** The index, repo map and localization for one job; without an index (no supported files) prompts fall back to whole files. */
class ContextEngine {
  private constructor(
    private readonly root: string,
    private index: RepoIndex,
    private readonly repoMap: string,
    private readonly tokens: number,
  ) {}

  static async open(root: string, tokens: number): Promise<ContextEngine | null> {
    const index = await buildIndex(root);
    if (index.files.size === 0) return null;
    // Built once per job and never re-ranked: the prefix must stay byte-identical for caching.
    return new ContextEngine(root, index, buildRepoMap(index, { tokens: Math.floor(tokens / 8) }).text, tokens);
  }

  async refresh(): Promise<void> {
    this.index = await buildIndex(this.root);
  }

  forFailures(failures: Failure[]): TaskContext {
    const lines = lineReader(this.root);
    const packed = packContext(localizeFailures(this.index, failures, (p, l) => lines(p)?.[l - 1]), lines, this.tokens, { numbered: false });
    return { repoMap: this.repoMap, spans: packed.text };
  }
}

function remainingOf(task: FixTask, v: Validation): FixTask['failures'] {
  return diffFailures(task.failures, v.failures.filter((f) => task.failures.some((t) => failureKey(t) === failureKey(f)))).remaining;
}

function stillFailing(task: FixTask, v: Validation): boolean {
  const keys = new Set(v.failures.map(failureKey));
  return task.failures.some((f) => keys.has(failureKey(f)));
}

