import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { TierName } from '../config/schema.js';
import { loadJobConfig } from '../validation/job-config.js';
import { errorMessage, UsageError } from '../errors.js';
import { repoRoot } from '../forge/git.js';
import { runImplementJob } from '../pipeline/implement-job.js';
import { requireItems } from '../plan/checklist.js';
import type { ImplementReport } from '../report/implement-report.js';
import { newRunId, writeRunFile } from '../report/run-file.js';
import { isCI } from '../util-env.js';
import { buildModelDeps } from '../routing/model-deps.js';
import { connectGitHub, deliverLocally, issueChecklist } from './local-github.js';
import { sanitizeUserText } from '../forge/github/sanitize.js';
import { pullRequestRef } from '../forge/github/deliver.js';

export interface ImplementOptions {
  cwd: string;
  configFile?: string;
  file?: string;
  text?: string;
  /** Read the checklist from this GitHub issue. */
  issue?: number;
  /** Deliver the result as a pull request. */
  pr?: boolean;
  tiers?: TierName[];
  maxAttempts?: number;
  concurrency?: number;
  budgetUsd?: number;
  allowDirty: boolean;
  branch?: string;
  json: boolean;
  signal?: AbortSignal;
}

/** Reads the checklist from --file or --text: exactly one of them. */
export function readChecklist(
  cwd: string,
  opts: Pick<ImplementOptions, 'file' | 'text'>,
): { items: string[]; source: string } {
  if ((opts.file === undefined) === (opts.text === undefined))
    throw new UsageError(
      'Give the checklist with exactly one of --file TASK.md, --text "- [ ] ..." or --issue N',
    );
  if (opts.text !== undefined)
    return { items: requireItems(opts.text, '--text'), source: '--text' };
  let markdown: string;
  try {
    markdown = readFileSync(path.resolve(cwd, opts.file!), 'utf8');
  } catch (err) {
    throw new UsageError(`Cannot read ${opts.file}: ${errorMessage(err)}`);
  }
  return { items: requireItems(markdown, opts.file!), source: opts.file! };
}

/** Executor and planner share one budget and one recorder: the per-run cap covers both. */
export function implementModels(
  root: string,
  config: Awaited<ReturnType<typeof loadJobConfig>>['config'],
  file: string | null,
  opts: { tiers?: TierName[]; budgetUsd?: number; quiet: boolean },
) {
  const onWarn = (m: string) => process.stderr.write(`distiq: ${m}\n`);
  const models = buildModelDeps({
    root,
    config,
    configFile: file,
    tiers: (opts.tiers ?? config.implement.tiers).filter((t) => t !== 'autofix'),
    role: 'executor',
    budgetUsd: opts.budgetUsd,
    onWarn,
  });
  const planner = buildModelDeps({
    root,
    config,
    configFile: file,
    tiers: config.roles.planner.filter((t) => t !== 'autofix'),
    sharedWith: models,
    onWarn,
  });
  if (!opts.quiet)
    for (const l of [...planner.ladders, ...models.ladders])
      for (const i of l.info)
        if (!i.usable)
          process.stderr.write(
            `distiq: ${l.tier} tier: ${i.provider}/${i.model} skipped: ${i.reason}\n`,
          );
  return { models, planner };
}

/** The `implement` job: a checklist in, a plan by the planner, tasks executed and proven. */
export async function runImplement(opts: ImplementOptions): Promise<ImplementReport> {
  const root = await repoRoot(opts.cwd);
  if (opts.issue !== undefined && (opts.file !== undefined || opts.text !== undefined))
    throw new UsageError(
      'Give the checklist with exactly one of --file TASK.md, --text "- [ ] ..." or --issue N',
    );
  const github = opts.issue !== undefined || opts.pr ? await connectGitHub(root) : null;
  let checklist: { items: string[]; source: string; title?: string };
  if (opts.issue !== undefined) {
    const issue = await issueChecklist(github!.gh, github!.repo, opts.issue);
    checklist = {
      items: requireItems(sanitizeUserText(issue.body), `issue #${opts.issue}`),
      source: `issue #${opts.issue}`,
      title: issue.title,
    };
  } else checklist = readChecklist(opts.cwd, opts);
  const { items, source } = checklist;
  const { config, file } = await loadJobConfig(root, opts.configFile);
  const { models, planner } = implementModels(root, config, file, {
    tiers: opts.tiers,
    budgetUsd: opts.budgetUsd,
    quiet: opts.json,
  });
  const runId = newRunId();
  try {
    const report = await runImplementJob({
      root,
      config,
      items,
      source,
      tiers: opts.tiers ?? config.implement.tiers,
      maxAttempts: opts.maxAttempts ?? config.implement.maxAttempts,
      concurrency: opts.concurrency ?? config.execute.concurrency,
      allowDirty: opts.allowDirty,
      branch: opts.branch,
      runId,
      renderer: opts.json ? 'silent' : process.stdout.isTTY && !isCI() ? 'default' : 'simple',
      progressStream: process.stdout,
      signal: opts.signal,
      models,
      planner: planner.ladders,
    });
    if (opts.pr && github && report.status === 'implemented' && report.changedFiles.length > 0) {
      const slug = opts.issue !== undefined ? String(opts.issue) : runId;
      const pr = await deliverLocally({
        root,
        config,
        report,
        gh: github.gh,
        repo: github.repo,
        branch: `${config.github.branchPrefix}implement-${slug}`,
        title: `distiq: ${checklist.title ?? source}`.slice(0, 200),
        trigger: `distiq implement, ${source}`,
      });
      report.pullRequest = pullRequestRef(pr);
    }
    writeRunFile(root, runId, report);
    return report;
  } catch (err) {
    writeRunFile(root, runId, {
      schemaVersion: 1,
      job: 'implement',
      runId,
      status: 'error',
      error: { type: (err as Error).name, message: errorMessage(err) },
      spentUsd: models.gateway.spent(),
    });
    throw err;
  }
}
