import { Git } from '../forge/git.js';
import { UsageError } from '../errors.js';
import {
  github,
  githubToken,
  type GitHub,
  type RepoRef,
  repoFrom,
} from '../forge/github/client.js';
import { deliverPullRequest, type Delivery } from '../forge/github/deliver.js';
import type { DistiqConfig } from '../config/schema.js';
import type { FixReport } from '../report/fix-report.js';
import type { ImplementReport } from '../report/implement-report.js';
import { pullRequestBody } from '../report/markdown.js';
import { makeRedactor } from '../security/secrets.js';

/** The same GitHub flows as the Action, from a developer's machine: token from GITHUB_TOKEN or `gh auth token`. */
export async function connectGitHub(
  root: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ gh: GitHub; repo: RepoRef }> {
  const origin = await new Git(root).originUrl();
  const repo = repoFrom(env.GITHUB_REPOSITORY, origin);
  return { gh: github(await githubToken(env), env), repo };
}

/** The checklist of an issue, as written now. */
export async function issueChecklist(
  gh: GitHub,
  repo: RepoRef,
  number: number,
): Promise<{ title: string; body: string }> {
  try {
    const { data } = await gh.rest.issues.get({ ...repo, issue_number: number });
    return { title: data.title, body: data.body ?? '' };
  } catch (err) {
    throw new UsageError(
      `Issue #${number} of ${repo.owner}/${repo.repo} could not be read (${(err as { status?: number }).status ?? (err as Error).message})`,
    );
  }
}

/** `--pr`: the proven result goes on distiq's branch and into a pull request against the current branch. */
export async function deliverLocally(opts: {
  root: string;
  config: DistiqConfig;
  report: FixReport | ImplementReport | { changedFiles: string[]; runId: string; body: string };
  gh: GitHub;
  repo: RepoRef;
  branch: string;
  title: string;
  trigger: string;
}): Promise<Delivery> {
  const current = await new Git(opts.root).branch();
  const { data } = await opts.gh.rest.repos.get({ ...opts.repo });
  const redact = makeRedactor(process.env, opts.config.secrets.envVars);
  return deliverPullRequest({
    gh: opts.gh,
    repo: opts.repo,
    root: opts.root,
    branch: opts.branch,
    branchPrefix: opts.config.github.branchPrefix,
    base: current,
    defaultBranch: data.default_branch,
    files: opts.report.changedFiles,
    title: redact(opts.title),
    body: redact(
      'body' in opts.report
        ? opts.report.body
        : pullRequestBody(opts.report, { trigger: opts.trigger }),
    ),
    commitMessage: opts.title,
    runId: opts.report.runId,
  });
}
