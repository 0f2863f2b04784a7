import type { TierName } from '../config/schema.js';
import { UsageError } from '../errors.js';
import { runFixJob } from '../pipeline/fix-job.js';
import { commitMessage } from '../pipeline/fix-repair.js';
import type { JobRequest } from '../pipeline/job-request.js';
import { runJob } from '../pipeline/job-runner.js';
import type { JobSpec } from '../pipeline/job-spec.js';
import { configInRepo } from '../providers/key-policy.js';
import type { FixReport } from '../report/fix-report.js';
import { pullRequestBody } from '../report/markdown.js';
import { assertUsableModel, buildModelDeps } from '../routing/model-deps.js';
import type { FixTarget } from '../validation/select-commands.js';
import { localForge } from './local-github.js';
import { nextStep } from './next-step.js';

/** The fix job's own options, next to the request every job takes. */
export interface FixOptions {
  targets: FixTarget[];
  dryRun: boolean;
  /** The last green commit (`--base`). */
  base?: string;
}

export type FixRequest = JobRequest<FixReport> & FixOptions;

/** The `fix` job (CLI and Action): validate, repair ($0, memory, models), prove, report. */
export function fixSpec(req: FixRequest): JobSpec<FixReport> {
  let tiers: TierName[] = [];
  return {
    job: 'fix',
    cleanTree: !req.allowDirty && !req.dryRun,
    prepare: async ({ root, config, configFile }) => {
      if (req.pr && req.branch)
        throw new UsageError(
          "--pr and --branch do not go together: --pr commits on distiq's own branch",
        );
      tiers = req.tiers ?? config.fix.tiers;
      // Spending that only a file in the repo asked for is said out loud, with the file.
      const paid = req.tiers ? [] : tiers.filter((t) => t === 'cheap' || t === 'premium');
      if (paid.length && configInRepo(configFile, root) && !req.quiet)
        process.stderr.write(
          `distiq: paid model tiers ${paid.join(', ')} enabled by ${configFile} (fix.tiers); pass --tiers autofix to spend nothing\n`,
        );
    },
    models: ({ root, config, configFile }) => {
      const models = buildModelDeps({
        root,
        config,
        configFile,
        tiers,
        role: 'executor',
        budgetUsd: req.budgetUsd,
        env: req.env,
        onWarn: req.quiet ? undefined : (m) => process.stderr.write(`distiq: ${m}\n`),
      });
      if (!tiers.includes('autofix') && !req.quiet) assertUsableModel(models, 'fix');
      for (const l of models.ladders)
        for (const i of l.info)
          if (!i.usable && !req.json && !req.quiet)
            process.stderr.write(
              `distiq: ${l.tier} tier: ${i.provider}/${i.model} skipped: ${i.reason}\n`,
            );
      return models;
    },
    run: (env, models) =>
      runFixJob({
        models,
        root: env.root,
        config: env.config,
        targets: req.targets,
        tiers,
        maxAttempts: req.maxAttempts ?? env.config.fix.maxAttempts,
        dryRun: Boolean(req.dryRun),
        renderer: env.renderer,
        progressStream: env.progressStream,
        concurrency: req.concurrency ?? env.config.execute.concurrency,
        runId: env.runId,
        signal: req.signal,
        base: req.base,
      }),
    commitMessage: (report) => (req.dryRun ? null : commitMessage(report)),
    pullRequest: async (report, ask, current, env) => {
      if (report.status !== 'fixed' || report.changedFiles.length === 0 || report.dryRun)
        return null;
      const on = ask.base ?? (await current());
      return {
        branch: `${env.config.github.branchPrefix}fix-${on.replace(/[^\w.-]+/g, '-')}`,
        title: `distiq: fix ${report.failuresBefore} failure(s) on ${on}`,
        body: pullRequestBody(report, { trigger: ask.trigger ?? 'distiq fix --pr' }),
      };
    },
    finish: (report, env) => {
      if (report.branch?.commit && env.startBranch) report.branch.from = env.startBranch;
      // The Action (quiet) reports through its summary: no next-step hint there.
      const next =
        req.dryRun || req.quiet
          ? null
          : nextStep(report, {
              root: env.root,
              config: env.config,
              configFile: env.configFile,
              tiers,
            });
      if (next) report.nextStep = next;
    },
  };
}

/** `distiq fix`: the fix spec on the job runner; --pr goes through the local forge. */
export function runFix(req: FixRequest): Promise<FixReport> {
  return runJob(fixSpec(req), { connect: localForge, ...req });
}
