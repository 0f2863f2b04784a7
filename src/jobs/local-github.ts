import { Git } from '../forge/git.js';
import { UsageError } from '../errors.js';
import {
  github,
  githubToken,
  type OctokitClient,
  type RepoRef,
  repoFrom,
} from '../forge/github/client.js';
import { GitHub } from '../forge/github/github.js';
import type { DistiqConfig } from '../config/schema.js';
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
export async function localForge(root: string, config: DistiqConfig): Promise<GitHub> {
  const { gh, repo } = await connectGitHub(root);
  return new GitHub({
    octokit: gh,
    repo,
    root,
    redact: makeRedactor(process.env, config.secrets.envVars),
    branchPrefix: config.github.branchPrefix,
  });
}
