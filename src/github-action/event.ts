import { readFileSync } from 'node:fs';
import { UsageError } from '../errors.js';
import { github, githubToken, repoFrom } from '../forge/github/client.js';
import { decideTrigger } from '../forge/github/trigger.js';
import { repoRoot } from '../forge/git.js';
import { newRunId } from '../report/run-file.js';
import { makeRedactor } from '../security/secrets.js';
import { loadJobConfig } from '../validation/job-config.js';
import { dispatch } from './dispatch.js';
import {
  type Ctx,
  errorResult,
  type EventInputs,
  type EventResult,
  skipped,
} from './event-context.js';

export type { EventInputs, EventResult } from './event-context.js';
export { DENIED_REPLIES_PER_THREAD } from './gate.js';

/**
 * The Action's core: read the event, decide, authorize, run the job, deliver the result
 * (a PR, a review, a reply) and say what it cost. Every text that leaves is redacted. Once the
 * run has started (the event and config are read), it never throws: an error, a budget refusal
 * or a failure after delivery all end in a result with the run file, summary and cost.
 */
export async function runGithubEvent(opts: {
  cwd: string;
  env: NodeJS.ProcessEnv;
  inputs: EventInputs;
  progressStream: NodeJS.WriteStream;
  signal?: AbortSignal;
}): Promise<EventResult> {
  const env = opts.env;
  const eventName = env.GITHUB_EVENT_NAME;
  if (!eventName || !env.GITHUB_EVENT_PATH)
    throw new UsageError(
      'GITHUB_EVENT_NAME and GITHUB_EVENT_PATH are not set: this runs inside GitHub Actions (locally: distiq implement --issue, review --pr, fix --pr)',
    );
  const payload = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, 'utf8'));
  const root = await repoRoot(opts.cwd);
  const { config, file } = await loadJobConfig(root, opts.inputs.configFile);
  const repo = repoFrom(env.GITHUB_REPOSITORY ?? payload.repository?.full_name);
  const trigger = decideTrigger(eventName, payload, {
    command: opts.inputs.command,
    repoFullName: `${repo.owner}/${repo.repo}`,
    branchPrefix: config.github.branchPrefix,
  });
  if (trigger.kind === 'skip') return skipped('skipped', trigger.reason);

  const gh = github(await githubToken(env), env);
  const job = trigger.kind;
  const ctx: Ctx = {
    root,
    config,
    configFile: file,
    gh,
    repo,
    defaultBranch: payload.repository?.default_branch ?? 'main',
    inputs: opts.inputs,
    env,
    runId: newRunId(),
    redact: makeRedactor(env, config.secrets.envVars),
    progressStream: opts.progressStream,
    signal: opts.signal,
    deps: [],
    warnings: [],
    prUrl: null,
    job,
  };
  try {
    const result = await dispatch(ctx, trigger);
    return {
      ...result,
      warnings: ctx.warnings,
      ...(ctx.localTier ? { localTier: ctx.localTier } : {}),
    };
  } catch (err) {
    return errorResult(ctx, err);
  }
}
