import type { TierName } from '../config/schema.js';
import { configInRepo } from '../providers/key-policy.js';
import { loadJobConfig } from '../validation/job-config.js';
import { Git, repoRoot } from '../forge/git.js';
import { errorMessage, UsageError } from '../errors.js';
import { runFixJob } from '../pipeline/fix-job.js';
import { newRunId, writeRunFile } from '../report/run-file.js';
import { assertUsableModel, buildModelDeps } from '../routing/model-deps.js';
import { isCI } from '../util-env.js';
import type { FixTarget } from '../validation/select-commands.js';
import type { FixReport } from '../report/fix-report.js';
import { nextStep } from './next-step.js';
import { pullRequestRef } from '../forge/github/deliver.js';

export interface FixOptions {
  cwd: string;
  configFile?: string;
  targets: FixTarget[];
  tiers?: TierName[];
  maxAttempts?: number;
  dryRun: boolean;
  allowDirty: boolean;
  branch?: string;
  json: boolean;
  budgetUsd?: number;
  concurrency?: number;
  /** Deliver a full repair as a pull request against the current branch. */
  pr?: boolean;
  /** The last green commit (`--base`). */
  base?: string;
  signal?: AbortSignal;
}

/** The `fix` job: flags and config merged into one request for the pipeline. */
export async function runFix(opts: FixOptions): Promise<FixReport> {
  const root = await repoRoot(opts.cwd);
  if (opts.pr && opts.branch)
    throw new UsageError(
      "--pr and --branch do not go together: --pr commits on distiq's own branch",
    );
  const { config, file } = await loadJobConfig(root, opts.configFile);
  const interactive = Boolean(process.stdout.isTTY) && !isCI();
  const tiers = opts.tiers ?? config.fix.tiers;
  // Spending that only a file in the repo asked for is said out loud, with the file.
  const paid = opts.tiers ? [] : tiers.filter((t) => t === 'cheap' || t === 'premium');
  if (paid.length && configInRepo(file, root))
    process.stderr.write(
      `distiq: paid model tiers ${paid.join(', ')} enabled by ${file} (fix.tiers); pass --tiers autofix to spend nothing\n`,
    );
  const models = buildModelDeps({
    root,
    config,
    configFile: file,
    tiers,
    role: 'executor',
    budgetUsd: opts.budgetUsd,
    onWarn: (m) => process.stderr.write(`distiq: ${m}\n`),
  });
  if (!tiers.includes('autofix')) assertUsableModel(models, 'fix');
  for (const l of models.ladders)
    for (const i of l.info)
      if (!i.usable && !opts.json)
        process.stderr.write(
          `distiq: ${l.tier} tier: ${i.provider}/${i.model} skipped: ${i.reason}\n`,
        );
  const runId = newRunId();
  // --branch leaves the user on the new branch (documented); the report says where they came from.
  const startBranch = opts.branch ? await new Git(root).branch() : null;
  try {
    const report = await runFixJob({
      models,
      root,
      config,
      targets: opts.targets,
      tiers,
      maxAttempts: opts.maxAttempts ?? config.fix.maxAttempts,
      dryRun: Boolean(opts.dryRun),
      allowDirty: Boolean(opts.allowDirty),
      branch: opts.branch,
      renderer: opts.json ? 'silent' : interactive ? 'default' : 'simple',
      progressStream: process.stdout,
      concurrency: opts.concurrency ?? config.execute.concurrency,
      runId,
      signal: opts.signal,
      base: opts.base,
    });
    if (opts.pr && report.status === 'fixed' && report.changedFiles.length > 0 && !report.dryRun) {
      const { connectGitHub, deliverLocally } = await import('./local-github.js');
      const github = await connectGitHub(root);
      const current = await new Git(root).branch();
      const pr = await deliverLocally({
        root,
        config,
        report,
        gh: github.gh,
        repo: github.repo,
        branch: `${config.github.branchPrefix}fix-${current.replace(/[^\w.-]+/g, '-')}`,
        title: `distiq: fix ${report.failuresBefore} failure(s) on ${current}`,
        trigger: 'distiq fix --pr',
      });
      report.pullRequest = pullRequestRef(pr);
    }
    if (report.branch?.commit && startBranch) report.branch.from = startBranch;
    const next = opts.dryRun ? null : nextStep(report, { root, config, configFile: file, tiers });
    if (next) report.nextStep = next;
    writeRunFile(root, runId, report);
    return report;
  } catch (err) {
    // A crashed or refused run leaves a record too: what happened and that the tree was restored.
    writeRunFile(root, runId, {
      schemaVersion: 1,
      job: 'fix',
      runId,
      status: 'error',
      error: { type: (err as Error).name, message: errorMessage(err) },
      spentUsd: models.gateway.spent(),
    });
    throw err;
  }
}
