import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Octokit } from '@octokit/rest';
import { UsageError } from '../../errors.js';

export type GitHub = InstanceType<typeof Octokit>;

export interface RepoRef {
  owner: string;
  repo: string;
}

/** The token: GITHUB_TOKEN / GH_TOKEN, else `gh auth token` (locally). Never logged. */
export async function githubToken(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const t = env.GITHUB_TOKEN || env.GH_TOKEN;
  if (t) return t;
  try {
    const { stdout } = await promisify(execFile)('gh', ['auth', 'token'], { timeout: 10_000 });
    if (stdout.trim()) return stdout.trim();
  } catch {
    // no gh, or not logged in: the error below says what to do
  }
  throw new UsageError('No GitHub token: set GITHUB_TOKEN (or GH_TOKEN), or log in with `gh auth login`');
}

export function github(token: string, env: NodeJS.ProcessEnv = process.env): GitHub {
  // GitHub Enterprise sets GITHUB_API_URL; no retries or throttling plugins: callers decide.
  return new Octokit({ auth: token, baseUrl: env.GITHUB_API_URL || 'https://api.github.com', userAgent: 'distiq', request: { retries: 0 } });
}

/** owner/repo from GITHUB_REPOSITORY, or from the `origin` remote URL (https or ssh). */
export function repoFrom(fullName: string | undefined, remoteUrl?: string): RepoRef {
  const name = fullName || /github\.com[:/]([^/]+\/[^/]+?)(?:\.git)?\/?$/.exec(remoteUrl ?? '')?.[1];
  const m = /^([^/\s]+)\/([^/\s]+)$/.exec(name ?? '');
  if (!m) throw new UsageError('Cannot tell which GitHub repository this is', 'Set GITHUB_REPOSITORY=owner/repo, or add a github.com "origin" remote.');
  return { owner: m[1]!, repo: m[2]! };
}
