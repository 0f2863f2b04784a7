import { type Failure, formatFailure } from '../validation/failure.js';
import type { CostReport } from '../budget/cost-report.js';
import type { FixReport, TaskReport } from './fix-report.js';

const MAX_REMAINING_SHOWN = 20;
const MAX_TAIL_LINES = 12;

/** The human summary printed after a run (the JSON report is the machine form). */
export function renderFixReport(r: FixReport): string {
  const out: string[] = [];
  const headline: Record<FixReport['status'], string> = {
    fixed: `Fixed: ${r.failuresBefore} failure(s) → 0`,
    partial: `Partly fixed: ${r.failuresBefore} failure(s) → ${r.failuresAfter}`,
    failed: r.dryRun
      ? `Dry run: ${r.failuresBefore} failure(s); nothing was changed`
      : `Not fixed: ${r.failuresAfter} failure(s) remain`,
    'nothing-to-fix': 'Nothing to fix: every validation command passes',
    'over-budget': `Stopped at the budget: ${r.failuresAfter} failure(s) remain`,
  };
  out.push(headline[r.status]);
  for (const c of r.commands)
    out.push(
      `  ${c.kind.padEnd(9)} ${c.command}  exit ${c.exitCodeBefore ?? 'killed'}${c.exitCodeAfter !== c.exitCodeBefore || r.status !== 'nothing-to-fix' ? ` → ${c.exitCodeAfter ?? 'killed'}` : ''}`,
    );
  if (r.repairs.length > 0) {
    out.push('', 'Repairs:');
    for (const rep of r.repairs) {
      out.push(
        `  [${rep.outcome}] ${rep.tier}/${rep.fixer}${rep.reason ? ` (${rep.reason})` : ''}`,
      );
      for (const d of rep.descriptions.slice(0, 10)) out.push(`      ${d}`);
      if (rep.descriptions.length > 10) out.push(`      … ${rep.descriptions.length - 10} more`);
    }
  }
  out.push(
    ...renderTasks(
      r.tasks.filter((t) => t.tierPath.length > 1 || t.escalations.length > 0 || t.calls > 0),
    ),
  );
  if (r.changedFiles.length > 0) out.push('', `Changed files: ${r.changedFiles.join(', ')}`);
  if (r.branch) out.push(...renderBranch(r.branch));
  if (r.remaining.length > 0) {
    out.push('', 'Remaining failures:');
    for (const f of r.remaining.slice(0, MAX_REMAINING_SHOWN)) out.push(...renderFailure(f));
    if (r.remaining.length > MAX_REMAINING_SHOWN)
      out.push(`  … ${r.remaining.length - MAX_REMAINING_SHOWN} more`);
  }
  for (const s of r.skippedTiers) out.push(`Tier ${s.tier} skipped: ${s.reason}`);
  out.push('', renderCost(r.cost, r.durationMs));
  if (r.nextStep) out.push('', renderNextStep(r.nextStep));
  return out.join('\n');
}

/** --branch leaves the user on the new branch: say so, and how to go back. */
function renderBranch(b: NonNullable<FixReport['branch']>): string[] {
  if (b.commit === null) return []; // nothing committed: stderr already said which files and why
  const lines = [
    `Committed ${b.commit.slice(0, 10)} on the new branch ${b.name}; you are on it now.`,
  ];
  if (b.from && b.from !== 'HEAD') lines.push(`Back to where you were: git switch ${b.from}`);
  return lines;
}

function renderNextStep(n: NonNullable<FixReport['nextStep']>): string {
  const price =
    n.estimateUsd === null ? '' : `, est. $${n.estimateUsd.toFixed(n.estimateUsd < 0.01 ? 4 : 2)}`;
  const head = `${n.failures} failure(s) left; \`--tiers ${n.tiers}\` would try a model (${n.model}${price})`;
  return n.usable ? `${head}.` : `${head}; it is not usable here yet: ${n.reason}.`;
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

/** Per task: status, tier path, attempts, cost, and every escalation with its reason. */
export function renderTasks(tasks: TaskReport[]): string[] {
  if (tasks.length === 0) return [];
  const out = ['', 'Tasks:'];
  for (const t of tasks) {
    out.push(
      `  ${t.id} [${t.status}] ${t.title} — ${t.tierPath.join(' → ') || 'not run'}, ${t.attempts} attempt(s)${t.calls ? `, ${t.calls} call(s), $${t.usd.toFixed(4)}` : ''}`,
    );
    for (const e of t.escalations) out.push(`      ${e}`);
    if (t.reason) out.push(`      ${t.reason}`);
  }
  return out;
}

/** The cost table every run ends with: per tier and model, tokens, dollars, the all-premium baseline. */
export function renderCost(c: CostReport, durationMs: number): string {
  const summary = costSummary(c, durationMs);
  // Nothing was called: a table with a header and no rows says nothing the summary does not.
  if (c.byModel.length === 0 && !c.byTier.autofix) return `Cost: ${summary}`;
  const lines: string[] = ['Cost:'];
  const rows: string[][] = [
    ['tier', 'model', 'calls', 'in', 'cache r/w', 'out', 'USD', 'all-premium'],
  ];
  if (c.byTier.autofix)
    rows.push([
      'autofix',
      '(deterministic)',
      String(c.byTier.autofix.calls),
      '0',
      '0/0',
      '0',
      '0.0000',
      '',
    ]);
  for (const m of c.byModel)
    rows.push([
      m.tier,
      `${m.provider}/${m.model}`,
      String(m.calls),
      String(m.inputTokens),
      `${m.cacheReadTokens}/${m.cacheWriteTokens}`,
      String(m.outputTokens),
      m.usd.toFixed(4),
      m.baselineUsd.toFixed(4),
    ]);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  for (const row of rows)
    lines.push(
      '  ' +
        row
          .map((cell, i) => (i >= 2 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
          .join('  '),
    );
  lines.push(`  ${summary}`);
  return lines.join('\n');
}

/**
 * Spend first; the all-premium price is a comparison, labelled as one, and only when something
 * was done that a premium model would have had to do (never "saved $x" on a $0 run).
 */
function costSummary(c: CostReport, durationMs: number): string {
  const parts = [`spent $${c.usd.toFixed(4)}`];
  if (c.budget) parts.push(`budget $${c.budget.perRun} per run`);
  if (c.baselineUsd > 0) {
    parts.push(
      `the same work all on ${c.baselineModel} would have cost ~$${c.baselineUsd.toFixed(4)} (comparison)`,
    );
  }
  parts.push(`${(durationMs / 1000).toFixed(1)}s`);
  return parts.join(' · ');
}
