import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import { UsageError } from '../../errors.js';

/** The Octokit REST client (with retry and throttling). The forge object over it is `GitHub` (github.ts). */
export type OctokitClient = InstanceType<typeof Octokit>;

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
  throw new UsageError(
    'No GitHub token: set GITHUB_TOKEN (or GH_TOKEN), or log in with `gh auth login`',
  );
}

/** Retries of one request: 5xx (plugin-retry) and secondary rate limits (plugin-throttling). */
export const GITHUB_RETRIES = 3;
/** A secondary rate limit asking for a longer wait than this is not waited for: the call fails. */
const MAX_RETRY_AFTER_SEC = 60;

const RetryingOctokit = Octokit.plugin(retry, throttling);

/**
 * The REST client. Transient errors are retried, bounded: 5xx with backoff (plugin-retry, 1 s ×
 * n²), secondary rate limits after their `retry-after` (plugin-throttling), GITHUB_RETRIES times
 * at most; 4xx other than rate limits are never retried. `DISTIQ_GITHUB_RETRY_BASE_MS` scales
 * every wait (1000 = real seconds) and, below 1000, turns off the plugin's pacing of writes:
 * a knob for tests, which must not sleep.
 */
export function github(token: string, env: NodeJS.ProcessEnv = process.env): OctokitClient {
  const base = Number(env.DISTIQ_GITHUB_RETRY_BASE_MS ?? 1000);
  const baseMs = Number.isFinite(base) && base >= 0 ? base : 1000;
  const retryOnLimit = (retryAfter: number, _options: unknown, _octokit: unknown, count: number) =>
    count < GITHUB_RETRIES && retryAfter <= MAX_RETRY_AFTER_SEC;
  // A pass-through limiter group (duck-typed like Bottleneck.Group): no spacing between writes.
  const unpaced = {
    key: () => ({
      schedule: (_o: unknown, fn: (...a: unknown[]) => unknown, ...args: unknown[]) =>
        Promise.resolve(fn(...args)),
    }),
  };
  const pacing =
    baseMs < 1000
      ? { global: unpaced, write: unpaced, notifications: unpaced, search: unpaced }
      : {};
  // GitHub Enterprise sets GITHUB_API_URL.
  return new RetryingOctokit({
    auth: token,
    baseUrl: env.GITHUB_API_URL || 'https://api.github.com',
    userAgent: 'distiq',
    retry: { retries: GITHUB_RETRIES, retryAfterBaseValue: baseMs },
    throttle: {
      retryAfterBaseValue: baseMs,
      onRateLimit: retryOnLimit,
      onSecondaryRateLimit: retryOnLimit,
      ...pacing,
    } as never,
  }) as unknown as OctokitClient;
}

/** owner/repo from GITHUB_REPOSITORY, or from the `origin` remote URL (https or ssh). */
export function repoFrom(fullName: string | undefined, remoteUrl?: string): RepoRef {
  const name =
    fullName || /github\.com[:/]([^/]+\/[^/]+?)(?:\.git)?\/?$/.exec(remoteUrl ?? '')?.[1];
  const m = /^([^/\s]+)\/([^/\s]+)$/.exec(name ?? '');
  if (!m)
    throw new UsageError(
      'Cannot tell which GitHub repository this is',
      'Set GITHUB_REPOSITORY=owner/repo, or add a github.com "origin" remote.',
    );
  return { owner: m[1]!, repo: m[2]! };
}
