import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { TierName } from '../config/schema.js';
import type { loadJobConfig } from '../validation/job-config.js';
import { errorMessage, UsageError } from '../errors.js';
import { runImplementJob } from '../pipeline/implement-job.js';
import type { JobRequest } from '../pipeline/job-request.js';
import { runJob } from '../pipeline/job-runner.js';
import type { JobSpec } from '../pipeline/job-spec.js';
import { requireItems } from '../plan/checklist.js';
import type { ImplementReport } from '../report/implement-report.js';
import { pullRequestBody } from '../report/markdown.js';
import { buildModelDeps, type ModelDeps } from '../routing/model-deps.js';
import { connectGitHub, issueChecklist, localForge } from './local-github.js';
import { sanitizeUserText } from '../forge/github/sanitize.js';

/** The implement job's own options, next to the request every job takes. */
export interface ImplementOptions {
  file?: string;
  text?: string;
  /** Read the checklist from this GitHub issue. */
  issue?: number;
  /** The checklist already read (the Action: from the event's issue, fitted to the budget). */
  checklist?: Checklist;
}

export interface Checklist {
  items: string[];
  source: string;
  /** The issue's title: the pull request's. */
  title?: string;
  /** Items left out (over the context budget): listed in the report. */
  dropped?: string[];
}

export type ImplementRequest = JobRequest<ImplementReport> & ImplementOptions;

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

/** The `implement` job (CLI and Action): a checklist in, planned, executed and proven. */
export function implementSpec(req: ImplementRequest): JobSpec<ImplementReport> {
  let checklist: Checklist = { items: [], source: '' };
  let planner: ModelDeps | undefined;
  return {
    job: 'implement',
    cleanTree: !req.allowDirty,
    prepare: async (env) => {
      if (req.issue !== undefined && (req.file !== undefined || req.text !== undefined))
        throw new UsageError(
          'Give the checklist with exactly one of --file TASK.md, --text "- [ ] ..." or --issue N',
        );
      if (req.pr) await env.forge(); // no token: stop before anything is spent
      checklist = req.checklist ?? (await readIssueOrChecklist(env.root, req));
    },
    models: ({ root, config, configFile }) => {
      const both = implementModels(root, config, configFile, {
        tiers: req.tiers,
        budgetUsd: req.budgetUsd,
        quiet: req.json || Boolean(req.quiet),
      });
      planner = both.planner;
      return both.models;
    },
    run: async (env, models) => {
      const report = await runImplementJob({
        root: env.root,
        config: env.config,
        items: checklist.items,
        source: checklist.source,
        tiers: req.tiers ?? env.config.implement.tiers,
        maxAttempts: req.maxAttempts ?? env.config.implement.maxAttempts,
        concurrency: req.concurrency ?? env.config.execute.concurrency,
        runId: env.runId,
        renderer: env.renderer,
        progressStream: env.progressStream,
        signal: req.signal,
        models,
        planner: planner!.ladders,
      });
      if (checklist.dropped) report.droppedItems = checklist.dropped;
      return report;
    },
    commitMessage: (report) => {
      const done = report.tasks.filter((t) => t.status === 'done');
      return `feat: distiq implemented ${done.length} task(s) from ${checklist.source}\n\n${done.map((t) => `- ${t.title}`).join('\n')}`;
    },
    pullRequest: async (report, ask, _current, env) =>
      report.status !== 'implemented' || report.changedFiles.length === 0
        ? null
        : {
            branch: `${env.config.github.branchPrefix}implement-${req.issue ?? env.runId}`,
            title: `distiq: ${checklist.title ?? checklist.source}`.slice(0, 200),
            body: pullRequestBody(report, {
              trigger: ask.trigger ?? `distiq implement, ${checklist.source}`,
            }),
          },
  };
}

/** --issue N (read through the GitHub API), else --file or --text. */
async function readIssueOrChecklist(root: string, req: ImplementRequest): Promise<Checklist> {
  if (req.issue === undefined) return readChecklist(req.cwd, req);
  const { gh, repo } = await connectGitHub(root);
  const issue = await issueChecklist(gh, repo, req.issue);
  return {
    items: requireItems(sanitizeUserText(issue.body), `issue #${req.issue}`),
    source: `issue #${req.issue}`,
    title: issue.title,
  };
}

/** `distiq implement`: the implement spec on the job runner; --pr goes through the local forge. */
export function runImplement(req: ImplementRequest): Promise<ImplementReport> {
  return runJob(implementSpec(req), { connect: localForge, ...req });
}
