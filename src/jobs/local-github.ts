import { Git } from '../forge/git.js';
import { UsageError } from '../errors.js';
import {
  github,
  githubToken,
  type OctokitClient,
  type RepoRef,
  repoFrom,
} from '../forge/github/client.js';
import type { Delivery } from '../forge/github/deliver.js';
import { GitHub } from '../forge/github/github.js';
import type { DistiqConfig } from '../config/schema.js';
import type { FixReport } from '../report/fix-report.js';
import type { ImplementReport } from '../report/implement-report.js';
import { pullRequestBody } from '../report/markdown.js';
import { makeRedactor } from '../security/secrets.js';

/** The same GitHub flows as the Action, from a developer's machine: token from GITHUB_TOKEN or `gh auth token`. */
export async function connectGitHub(
  root: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ gh: OctokitClient; repo: RepoRef }> {
  const origin = await new Git(root).originUrl();
  const repo = repoFrom(env.GITHUB_REPOSITORY, origin);
  return { gh: github(await githubToken(env), env), repo };
}

/** The checklist of an issue, as written now. */
export async function issueChecklist(
  gh: OctokitClient,
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
  gh: OctokitClient;
  repo: RepoRef;
  branch: string;
  title: string;
  trigger: string;
}): Promise<Delivery> {
  const forge = new GitHub({
    octokit: opts.gh,
    repo: opts.repo,
    root: opts.root,
    redact: makeRedactor(process.env, opts.config.secrets.envVars),
    branchPrefix: opts.config.github.branchPrefix,
  });
  return forge.deliver({
    kind: 'pull-request',
    files: opts.report.changedFiles,
    runId: opts.report.runId,
    branch: opts.branch,
    title: opts.title,
    body:
      'body' in opts.report
        ? opts.report.body
        : pullRequestBody(opts.report, { trigger: opts.trigger }),
  });
}
