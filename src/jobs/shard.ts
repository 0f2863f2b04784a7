import path from 'node:path';
import type { JobRequest } from '../pipeline/job-request.js';
import { runJob } from '../pipeline/job-runner.js';
import type { JobSpec } from '../pipeline/job-spec.js';
import { mergePullRequestBody } from '../report/markdown.js';
import { buildModelDeps } from '../routing/model-deps.js';
import { mergeShards, type MergeReport } from '../shard/merge.js';
import { type PlanFile, readPlanFile } from '../shard/plan-file.js';
import { runShard, type ShardReport } from '../shard/run-shard.js';
import { localForge } from './local-github.js';

/** The shard run's own options: which plan, which shard, where its patch goes. */
export interface ShardOptions {
  planFile: string;
  shard: number;
  outDir: string;
}

/** `distiq run --plan plan.json --shard K`: one shard, on its slice of the job budget. */
export function shardSpec(req: JobRequest<ShardReport> & ShardOptions): JobSpec<ShardReport> {
  let plan: PlanFile;
  return {
    job: 'shard',
    cleanTree: true,
    prepare: async () => {
      plan = readPlanFile(path.resolve(req.cwd, req.planFile));
    },
    models: ({ root, config, configFile }) => {
      const slice = plan.shards.find((s) => s.shard === req.shard)?.budgetUsd;
      const tiers = (
        req.tiers ?? (plan.job === 'fix' ? config.fix.tiers : config.implement.tiers)
      ).filter((t) => t !== 'autofix');
      // The slice is reserved as this shard's per-run cap: shards cannot overspend the job together.
      return buildModelDeps({
        root,
        config,
        configFile,
        tiers,
        role: 'executor',
        budgetUsd: slice && slice > 0 ? slice : undefined,
        onWarn: (m) => process.stderr.write(`distiq: ${m}\n`),
      });
    },
    run: (env, models) =>
      runShard({
        root: env.root,
        config: env.config,
        plan,
        shard: req.shard,
        outDir: path.resolve(req.cwd, req.outDir),
        models,
        concurrency: req.concurrency ?? env.config.execute.concurrency,
        maxAttempts:
          req.maxAttempts ??
          (plan.job === 'fix' ? env.config.fix.maxAttempts : env.config.implement.maxAttempts),
        runId: env.runId,
        renderer: env.renderer,
        progressStream: env.progressStream,
        signal: req.signal,
      }),
  };
}

export type MergeJobReport = MergeReport & {
  pullRequest?: { url: string; number: number; branch: string; created: boolean };
};

/** `distiq merge --plan plan.json --from DIR`: every shard's patch, one validation, one cost table. */
export function mergeSpec(
  req: JobRequest<MergeJobReport> & { planFile: string; fromDir: string },
): JobSpec<MergeJobReport> {
  let plan: PlanFile;
  return {
    job: 'merge',
    cleanTree: true,
    prepare: async () => {
      plan = readPlanFile(path.resolve(req.cwd, req.planFile));
    },
    models: ({ root, config, configFile }) =>
      buildModelDeps({ root, config, configFile, tiers: [] }),
    run: (env, models) =>
      mergeShards({
        root: env.root,
        config: env.config,
        plan,
        fromDir: path.resolve(req.cwd, req.fromDir),
        runId: env.runId,
        gateway: models.gateway,
        signal: req.signal,
      }),
    pullRequest: async (report, _ask, _current, env) =>
      (report.status === 'fixed' || report.status === 'implemented') &&
      report.changedFiles.length > 0
        ? {
            branch: `${env.config.github.branchPrefix}${plan.job}-${plan.baseSha.slice(0, 12)}`,
            title: `distiq: ${plan.job} (${plan.shards.length} shards)`,
            body: mergePullRequestBody(report),
          }
        : null,
  };
}

export function runShardJob(
  req: Omit<JobRequest<ShardReport>, 'pr'> & ShardOptions,
): Promise<ShardReport> {
  return runJob(shardSpec(req), req);
}

export function runMergeJob(
  req: Omit<JobRequest<MergeJobReport>, 'json'> & { planFile: string; fromDir: string },
): Promise<MergeJobReport> {
  return runJob(mergeSpec({ json: false, ...req }), { connect: localForge, json: false, ...req });
}
