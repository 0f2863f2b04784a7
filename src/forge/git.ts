import { simpleGit } from 'simple-git';
import { DirtyTreeError, UsageError } from '../errors.js';

/** distiq's own scratch space; never counts as the user's work. */
const OWN_PATHS = ['.distiq/'];

export async function repoRoot(cwd: string): Promise<string> {
  try {
    return (await simpleGit({ baseDir: cwd }).revparse(['--show-toplevel'])).trim();
  } catch {
    throw new UsageError(
      `${cwd} is not inside a git repository`,
      'Run distiq from a git checkout (git init, or pass --cwd).',
    );
  }
}

/** Paths with uncommitted changes, staged, unstaged or untracked (ignored files excluded). */
export async function dirtyPaths(root: string): Promise<string[]> {
  const status = await simpleGit({ baseDir: root }).status(['--untracked-files=all']);
  return status.files.map((f) => f.path).filter((p) => !OWN_PATHS.some((own) => p.startsWith(own)));
}

export async function assertCleanTree(root: string): Promise<void> {
  const dirty = await dirtyPaths(root);
  if (dirty.length > 0) throw new DirtyTreeError(dirty);
}

export async function assertNewBranchName(root: string, name: string): Promise<void> {
  const git = simpleGit({ baseDir: root });
  if (name.startsWith('-'))
    throw new UsageError(`Invalid branch name ${JSON.stringify(name)}: it may not start with "-"`);
  try {
    await git.raw(['check-ref-format', '--branch', name]);
  } catch {
    throw new UsageError(
      `Invalid branch name ${JSON.stringify(name)}`,
      'Use a name git accepts, e.g. distiq/fix-build.',
    );
  }
  const exists = await git.raw(['rev-parse', '--verify', '--quiet', `refs/heads/${name}`]).then(
    (out) => out.trim() !== '',
    () => false,
  );
  if (exists)
    throw new UsageError(
      `Branch ${name} already exists`,
      'Pick another --branch name; distiq never overwrites a branch.',
    );
}

/** Creates `branch` at HEAD, switches to it (the working tree comes along) and commits exactly `files`. */
export async function commitOnNewBranch(
  root: string,
  branch: string,
  files: string[],
  message: string,
): Promise<string> {
  const git = simpleGit({ baseDir: root });
  await git.raw(['switch', '-c', branch, '--']);
  await git.raw(['add', '--', ...files]);
  // The user's own identity when git has one; a neutral one otherwise (fresh CI machines).
  const hasIdentity = await git.raw(['config', 'user.email']).then(
    (v) => v.trim() !== '',
    () => false,
  );
  const identity = hasIdentity
    ? []
    : ['-c', 'user.name=distiq', '-c', 'user.email=distiq@users.noreply.github.com'];
  await git.raw([...identity, 'commit', '--no-verify', '-m', message, '--', ...files]);
  return (await git.revparse(['HEAD'])).trim();
}

/**
 * One repository's git, the only runtime user of simple-git outside this file's helpers: what the
 * jobs, the shard runner and merge, and delivery ask of git goes through here.
 */
export class Git {
  private readonly git;

  constructor(readonly root: string) {
    this.git = simpleGit({ baseDir: root });
  }

  /** The commit checked out. */
  async head(): Promise<string> {
    return (await this.git.revparse(['HEAD'])).trim();
  }

  /** The branch checked out ("HEAD" when detached). */
  async branch(): Promise<string> {
    return (await this.git.revparse(['--abbrev-ref', 'HEAD'])).trim();
  }

  /** The URL of `origin`, or '' when there is none. */
  async originUrl(): Promise<string> {
    return this.git
      .remote(['get-url', 'origin'])
      .then((u) => (u ?? '').trim())
      .catch(() => '');
  }

  /** A git command with arguments as given (no shell); its standard output. */
  raw(args: string[]): Promise<string> {
    return this.git.raw(args);
  }

  async status(): Promise<string[]> {
    return dirtyPaths(this.root);
  }
}

/**
 * simple-git for `root` with exactly `env` (a push or fetch with a token header): git config from
 * the environment is allowed for this one instance only.
 */
export function gitWithEnv(root: string, env: Record<string, string>) {
  return simpleGit({ baseDir: root, unsafe: { allowUnsafeConfigEnvCount: true } }).env(env);
}
