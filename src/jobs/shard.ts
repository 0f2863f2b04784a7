import path from 'node:path';
import type { TierName } from '../config/schema.js';
import { loadJobConfig } from '../validation/job-config.js';
import { repoRoot } from '../forge/git.js';
import { mergePullRequestBody } from '../report/markdown.js';
import { newRunId, writeRunFile } from '../report/run-file.js';
import { mergeShards, type MergeReport } from '../shard/merge.js';
import { readPlanFile } from '../shard/plan-file.js';
import { runShard, type ShardReport } from '../shard/run-shard.js';
import { isCI } from '../util-env.js';
import { deliverLocally, connectGitHub } from './local-github.js';
import { buildModelDeps } from '../routing/model-deps.js';
import { pullRequestRef } from '../forge/github/deliver.js';

/** `distiq run --plan plan.json --shard K`: one shard, on its slice of the job budget. */
export async function runShardJob(o: {
  cwd: string;
  configFile?: string;
  planFile: string;
  shard: number;
  outDir: string;
  tiers?: TierName[];
  concurrency?: number;
  maxAttempts?: number;
  json: boolean;
  signal?: AbortSignal;
}): Promise<ShardReport> {
  const root = await repoRoot(o.cwd);
  const { config, file } = await loadJobConfig(root, o.configFile);
  const plan = readPlanFile(path.resolve(o.cwd, o.planFile));
  const slice = plan.shards.find((s) => s.shard === o.shard)?.budgetUsd;
  const tiers = (
    o.tiers ?? (plan.job === 'fix' ? config.fix.tiers : config.implement.tiers)
  ).filter((t) => t !== 'autofix');
  // The slice is reserved as this shard's per-run cap: shards cannot overspend the job together.
  const models = buildModelDeps({
    root,
    config,
    configFile: file,
    tiers,
    role: 'executor',
    budgetUsd: slice && slice > 0 ? slice : undefined,
    onWarn: (m) => process.stderr.write(`distiq: ${m}\n`),
  });
  const runId = newRunId();
  const report = await runShard({
    root,
    config,
    plan,
    shard: o.shard,
    outDir: path.resolve(o.cwd, o.outDir),
    models,
    concurrency: o.concurrency ?? config.execute.concurrency,
    maxAttempts:
      o.maxAttempts ?? (plan.job === 'fix' ? config.fix.maxAttempts : config.implement.maxAttempts),
    runId,
    renderer: o.json ? 'silent' : process.stdout.isTTY && !isCI() ? 'default' : 'simple',
    progressStream: process.stdout,
    signal: o.signal,
  });
  writeRunFile(root, runId, report);
  return report;
}

/** `distiq merge --plan plan.json --from DIR`: every shard's patch, one validation, one cost table. */
export async function runMergeJob(o: {
  cwd: string;
  configFile?: string;
  planFile: string;
  fromDir: string;
  pr: boolean;
  signal?: AbortSignal;
}): Promise<
  MergeReport & { pullRequest?: { url: string; number: number; branch: string; created: boolean } }
> {
  const root = await repoRoot(o.cwd);
  const { config, file } = await loadJobConfig(root, o.configFile);
  const plan = readPlanFile(path.resolve(o.cwd, o.planFile));
  const models = buildModelDeps({ root, config, configFile: file, tiers: [] });
  const runId = newRunId();
  const report: MergeReport & {
    pullRequest?: { url: string; number: number; branch: string; created: boolean };
  } = await mergeShards({
    root,
    config,
    plan,
    fromDir: path.resolve(o.cwd, o.fromDir),
    runId,
    gateway: models.gateway,
    signal: o.signal,
  });
  if (
    o.pr &&
    (report.status === 'fixed' || report.status === 'implemented') &&
    report.changedFiles.length > 0
  ) {
    const github = await connectGitHub(root);
    const pr = await deliverLocally({
      root,
      config,
      report: { changedFiles: report.changedFiles, runId, body: mergePullRequestBody(report) },
      gh: github.gh,
      repo: github.repo,
      branch: `${config.github.branchPrefix}${plan.job}-${plan.baseSha.slice(0, 12)}`,
      title: `distiq: ${plan.job} (${plan.shards.length} shards)`,
      trigger: `distiq merge of ${plan.shards.length} shard(s)`,
    });
    report.pullRequest = pullRequestRef(pr);
  }
  writeRunFile(root, runId, report);
  return report;
}
