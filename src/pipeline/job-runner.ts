import { errorMessage } from '../errors.js';
import { Git, repoRoot } from '../forge/git.js';
import { pullRequestRef } from '../forge/github/deliver.js';
import type { GitHub } from '../forge/github/github.js';
import { newRunId, writeRunFile } from '../report/run-file.js';
import type { ModelDeps } from '../routing/model-deps.js';
import { isCI } from '../util-env.js';
import { loadJobConfig } from '../validation/job-config.js';
import type { JobRequest, PullRequestAsk } from './job-request.js';
import type { JobEnv, JobReport, JobSpec } from './job-spec.js';
import { prepareTree } from './job-tree.js';
import { commitOwnChanges } from './own-changes.js';

/**
 * One job, CLI or Action: config → the spec's inputs → models → run id → recovered and checked
 * tree → the spec's stages → commit on --branch → pull request → run file, written on success and
 * on error (what happened and what was spent).
 */
export async function runJob<R extends JobReport>(
  spec: JobSpec<R>,
  req: JobRequest<R>,
): Promise<R> {
  const root = await repoRoot(req.cwd);
  const { config, file } = req.loaded ?? (await loadJobConfig(root, req.configFile));
  let forge: Promise<GitHub> | undefined;
  const interactive = Boolean(process.stdout.isTTY) && !isCI();
  const base: Omit<JobEnv, 'runId'> = {
    root,
    config,
    configFile: file,
    renderer: req.renderer ?? (req.json ? 'silent' : interactive ? 'default' : 'simple'),
    progressStream: req.progressStream ?? process.stdout,
    signal: req.signal,
    startBranch: null,
    forge: () => {
      if (!req.connect) throw new Error(`${spec.job}: no forge to deliver a pull request`);
      return (forge ??= req.connect(root, config));
    },
  };
  await spec.prepare?.(base);
  const models = spec.models(base);
  req.onModels?.(models);
  const runId = req.runId ?? newRunId();
  // --branch leaves the user on the new branch (documented); the report says where they came from.
  const startBranch = req.branch && spec.commitMessage ? await new Git(root).branch() : null;
  const env: JobEnv = { ...base, runId, startBranch };
  try {
    const dirtyBefore = await prepareTree(root, {
      clean: spec.cleanTree,
      branch: spec.commitMessage ? req.branch : undefined,
      allowDirty: req.allowDirty,
    });
    const report = await spec.run(env, models);
    const message = req.branch && !req.signal?.aborted ? spec.commitMessage?.(report) : null;
    if (message && report.changedFiles.length > 0)
      Object.assign(report, {
        branch: await commitOwnChanges(
          root,
          req.branch!,
          report.changedFiles,
          dirtyBefore,
          message,
        ),
      });
    const ask: PullRequestAsk<R> | undefined = req.pr === true ? {} : req.pr || undefined;
    if (ask && spec.pullRequest) await deliver(spec, report, ask, env);
    spec.finish?.(report, env);
    writeRunFile(root, runId, report);
    return report;
  } catch (err) {
    // A crashed or refused run leaves a record too: what happened and that the tree was restored.
    writeRunFile(root, runId, errorRecord(spec.job, runId, err, models));
    throw err;
  }
}

/** The result as a pull request, through the one `GitHub.deliver`, when the spec says it is one. */
async function deliver<R extends JobReport>(
  spec: JobSpec<R>,
  report: R,
  ask: PullRequestAsk<R>,
  env: JobEnv,
): Promise<void> {
  const current = () => new Git(env.root).branch();
  const draft = await spec.pullRequest!(report, ask, current, env);
  if (!draft) return;
  const forge = await env.forge();
  const pr = await forge.deliver({
    kind: 'pull-request',
    files: report.changedFiles,
    runId: env.runId,
    branch: ask.branch ?? draft.branch,
    ...(ask.base ? { base: ask.base } : {}),
    title: draft.title,
    body: draft.body + (ask.footer?.(report) ?? ''),
    commitMessage: ask.commitMessage?.(report) ?? draft.commitMessage,
  });
  ask.onDelivered?.(pr);
  Object.assign(report, { pullRequest: pullRequestRef(pr) });
}

function errorRecord(job: string, runId: string, err: unknown, models: ModelDeps) {
  return {
    schemaVersion: 1,
    job,
    runId,
    status: 'error',
    error: { type: (err as Error).name, message: errorMessage(err) },
    spentUsd: models.gateway.spent(),
  };
}
