import { Git, gitWithEnv } from '../git.js';
import { DistiqError, ExitCode } from '../../errors.js';
import type { OctokitClient, RepoRef } from './client.js';

export class DeliveryError extends DistiqError {
  constructor(message: string, hint?: string) {
    super(message, ExitCode.NOT_FIXED, hint);
  }
}

export interface Delivery {
  branch: string;
  commit: string;
  prNumber: number;
  prUrl: string;
  created: boolean;
}

/** The `pullRequest` block of a fix, implement or merge report. */
export function pullRequestRef(d: Delivery) {
  return { url: d.prUrl, number: d.prNumber, branch: d.branch, created: d.created };
}

export interface DeliverOptions {
  gh: OctokitClient;
  repo: RepoRef;
  root: string;
  /** distiq's branch, e.g. distiq/implement-42: deterministic, so a re-run updates the same PR. */
  branch: string;
  branchPrefix: string;
  /** The branch the PR targets. */
  base: string;
  defaultBranch: string;
  files: string[];
  title: string;
  body: string;
  commitMessage: string;
  runId: string;
  remote?: string;
  /**
   * Token for the push (Actions: checkout with persist-credentials: false). Given to git through
   * GIT_CONFIG_* variables of the git processes only: never in argv, .git/config or a log.
   */
  pushToken?: string;
  serverUrl?: string;
}

const TRAILER = 'Distiq-Run';

/**
 * Commits the proven files on distiq's branch, pushes it and opens the PR, or updates the open PR
 * of that branch. Refuses the default branch and anything outside the prefix; never a plain force:
 * an existing distiq branch is replaced only with --force-with-lease on the sha just read, and only
 * while every commit on it is distiq's (a person's commit there means distiq stops updating it).
 */
export async function deliverPullRequest(o: DeliverOptions): Promise<Delivery> {
  const remote = o.remote ?? 'origin';
  if (
    !o.branch.startsWith(o.branchPrefix) ||
    o.branch === o.defaultBranch ||
    o.branch === o.base ||
    o.branch.startsWith('-')
  ) {
    throw new DeliveryError(
      `Refusing to push to ${o.branch}: distiq pushes only to its own branches (${o.branchPrefix}…), never to ${o.defaultBranch}`,
    );
  }
  if (o.files.length === 0) throw new DeliveryError('Nothing to deliver: no file changed');
  const git = new Git(o.root);
  await git.raw(['check-ref-format', '--branch', o.branch]);
  await git.raw(['switch', '-C', o.branch, '--']);
  await git.raw(['add', '--', ...o.files]);
  const hasIdentity = await git.raw(['config', 'user.email']).then(
    (v) => v.trim() !== '',
    () => false,
  );
  const identity = hasIdentity
    ? []
    : ['-c', 'user.name=distiq', '-c', 'user.email=distiq@users.noreply.github.com'];
  await git.raw([
    ...identity,
    'commit',
    '--no-verify',
    '-m',
    `${o.commitMessage}\n\n${TRAILER}: ${o.runId}`,
    '--',
    ...o.files,
  ]);
  const commit = await git.head();

  const remoteGit = o.pushToken
    ? withPushToken(o.root, o.pushToken, o.serverUrl ?? 'https://github.com')
    : git;
  const remoteSha =
    (await remoteGit.raw(['ls-remote', remote, `refs/heads/${o.branch}`])).split(/\s/)[0] ?? '';
  if (remoteSha) {
    await remoteGit.raw([
      'fetch',
      '--quiet',
      remote,
      `+refs/heads/${o.branch}:refs/distiq/remote-branch`,
    ]);
    const bodies = (
      await git.raw(['log', '--format=%B%x00', `${commit}~1..refs/distiq/remote-branch`])
    )
      .split('\0')
      .map((b) => b.trim())
      .filter(Boolean);
    const foreign = bodies.filter((b) => !new RegExp(`^${TRAILER}: `, 'm').test(b));
    if (foreign.length > 0)
      throw new DeliveryError(
        `${o.branch} has ${foreign.length} commit(s) that distiq did not make; it stops updating that branch`,
        'Merge or close that pull request, or delete the branch, and run again.',
      );
    await remoteGit.raw([
      'push',
      '--quiet',
      `--force-with-lease=refs/heads/${o.branch}:${remoteSha}`,
      remote,
      `${commit}:refs/heads/${o.branch}`,
    ]);
  } else {
    await remoteGit.raw(['push', '--quiet', remote, `${commit}:refs/heads/${o.branch}`]);
  }

  const { data: open } = await o.gh.rest.pulls.list({
    ...o.repo,
    head: `${o.repo.owner}:${o.branch}`,
    state: 'open',
  });
  if (open[0]) {
    const { data } = await o.gh.rest.pulls.update({
      ...o.repo,
      pull_number: open[0].number,
      title: o.title,
      body: o.body,
    });
    return {
      branch: o.branch,
      commit,
      prNumber: data.number,
      prUrl: data.html_url,
      created: false,
    };
  }
  try {
    const { data } = await o.gh.rest.pulls.create({
      ...o.repo,
      head: o.branch,
      base: o.base,
      title: o.title,
      body: o.body,
    });
    return { branch: o.branch, commit, prNumber: data.number, prUrl: data.html_url, created: true };
  } catch (err) {
    const message = (
      err as { response?: { data?: { message?: string; errors?: { message?: string }[] } } }
    ).response?.data;
    const text = [message?.message, ...(message?.errors ?? []).map((e) => e.message)]
      .filter(Boolean)
      .join('; ');
    // A retried create whose first try did reach GitHub (a 5xx after the PR was made) gets 422
    // "A pull request already exists": that PR is ours, found by its branch, not a failure.
    if (/pull request already exists/i.test(text)) {
      const { data: again } = await o.gh.rest.pulls.list({
        ...o.repo,
        head: `${o.repo.owner}:${o.branch}`,
        state: 'open',
      });
      if (again[0])
        return {
          branch: o.branch,
          commit,
          prNumber: again[0].number,
          prUrl: again[0].html_url,
          created: true,
        };
    }
    if (/not permitted to create or approve pull requests/i.test(text)) {
      throw new DeliveryError(
        `The branch ${o.branch} was pushed, but GitHub Actions may not open pull requests in this repository`,
        'Enable Settings → Actions → General → "Allow GitHub Actions to create and approve pull requests", or give the action a token that may.',
      );
    }
    throw new DeliveryError(
      `The branch ${o.branch} was pushed, but the pull request could not be opened: ${text || (err as Error).message}`,
    );
  }
}

/**
 * A git for remote operations that authenticates with the token through GIT_CONFIG_* variables:
 * the header exists only in those processes' environment (not in argv, .git/config or a log).
 * The environment is a short allowlist: no editor, pager or askpass of the caller leaks in.
 */
function withPushToken(root: string, token: string, serverUrl: string) {
  const keep = [
    'PATH',
    'HOME',
    'USER',
    'LANG',
    'LC_ALL',
    'TMPDIR',
    'TEMP',
    'TMP',
    'SYSTEMROOT',
    'SSH_AUTH_SOCK',
    'GIT_EXEC_PATH',
    'HTTPS_PROXY',
    'HTTP_PROXY',
    'NO_PROXY',
    'https_proxy',
    'http_proxy',
    'no_proxy',
  ];
  const env: Record<string, string> = {
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: `http.${serverUrl.replace(/\/$/, '')}/.extraheader`,
    GIT_CONFIG_VALUE_0: `AUTHORIZATION: basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`,
  };
  for (const k of keep) if (process.env[k]) env[k] = process.env[k]!;
  return gitWithEnv(root, env);
}
