import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ZERO = /^0+$/;

export interface PushedRef {
  localRef: string;
  localSha: string;
  remoteRef: string;
  remoteSha: string;
}

/** The lines git writes to a pre-push hook's stdin: `<local ref> <local sha> <remote ref> <remote sha>`. */
export function parsePushInput(stdin: string): PushedRef[] {
  return stdin
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((p) => p.length === 4)
    .map(([localRef, localSha, remoteRef, remoteSha]) => ({
      localRef: localRef!,
      localSha: localSha!,
      remoteRef: remoteRef!,
      remoteSha: remoteSha!,
    }));
}

export async function git(cwd: string, ...args: string[]): Promise<string> {
  return (await run('git', args, { cwd, maxBuffer: 64 * 1024 * 1024 })).stdout;
}

async function exists(cwd: string, sha: string): Promise<boolean> {
  return git(cwd, 'cat-file', '-e', `${sha}^{commit}`).then(
    () => true,
    () => false,
  );
}

export interface ChangedFile {
  path: string;
  /** The commit whose content is being pushed. */
  sha: string;
  /** The commit it is compared with, when the file existed there. */
  base?: string;
  /** The commit the whole push is compared with (absent for a first push of a root commit). */
  rangeBase?: string;
}

/**
 * Files added or modified by what is being pushed (deleted ones need no checking):
 * - a deleted branch pushes nothing;
 * - an update (fast-forward or forced) compares the remote's old commit with ours when we have it;
 * - a new branch, or a remote commit we never fetched, compares with the newest commit we know
 *   the remote already has (`--not --remotes`), or with the empty tree for a first push.
 */
export async function changedFiles(
  cwd: string,
  remote: string | undefined,
  refs: PushedRef[],
): Promise<ChangedFile[]> {
  const out = new Map<string, ChangedFile>();
  for (const ref of refs) {
    if (ZERO.test(ref.localSha)) continue;
    let base: string | null = null;
    if (!ZERO.test(ref.remoteSha) && (await exists(cwd, ref.remoteSha))) base = ref.remoteSha;
    else {
      const fresh = (
        await git(
          cwd,
          'rev-list',
          '--reverse',
          ref.localSha,
          '--not',
          remote ? `--remotes=${remote}` : '--remotes',
        )
      )
        .split('\n')
        .filter(Boolean);
      if (fresh.length === 0) continue; // every commit is already on the remote
      const parents = (await git(cwd, 'rev-list', '--parents', '-n', '1', fresh[0]!))
        .trim()
        .split(' ')
        .slice(1);
      base = parents[0] ?? null;
    }
    if (!base) {
      for (const p of (await git(cwd, 'ls-tree', '-r', '--name-only', '-z', ref.localSha))
        .split('\0')
        .filter(Boolean))
        out.set(p, { path: p, sha: ref.localSha });
      continue;
    }
    // --name-status: M files have a base version to compare with; A (and R/C targets) do not.
    const fields = (
      await git(cwd, 'diff', '--name-status', '--diff-filter=ACMR', '-z', base, ref.localSha)
    )
      .split('\0')
      .filter(Boolean);
    for (let i = 0; i < fields.length;) {
      const status = fields[i++]!;
      const renamed = status.startsWith('R') || status.startsWith('C');
      const p = renamed ? fields[i + 1]! : fields[i]!;
      i += renamed ? 2 : 1;
      out.set(p, {
        path: p,
        sha: ref.localSha,
        rangeBase: base,
        ...(status === 'M' ? { base } : {}),
      });
    }
  }
  return [...out.values()];
}

/** Without stdin (a hook manager that does not forward it): what the branch has beyond its upstream. */
export async function changedSinceUpstream(cwd: string): Promise<ChangedFile[]> {
  const head = (await git(cwd, 'rev-parse', 'HEAD')).trim();
  const upstream = await git(cwd, 'rev-parse', '--verify', '--quiet', '@{push}').then(
    (s) => s.trim(),
    () =>
      git(cwd, 'rev-parse', '--verify', '--quiet', '@{upstream}').then(
        (s) => s.trim(),
        () => '',
      ),
  );
  return changedFiles(cwd, undefined, [
    { localRef: 'HEAD', localSha: head, remoteRef: '', remoteSha: upstream || '0'.repeat(40) },
  ]);
}

/** File contents at given commits, keyed `<sha>:<path>`, in one `git cat-file --batch` call. */
export async function readAtCommits(
  cwd: string,
  files: { path: string; sha: string }[],
): Promise<Map<string, string>> {
  if (files.length === 0) return new Map();
  const { spawn } = await import('node:child_process');
  const child = spawn('git', ['cat-file', '--batch'], { cwd, stdio: ['pipe', 'pipe', 'ignore'] });
  const chunks: Buffer[] = [];
  child.stdout.on('data', (c: Buffer) => chunks.push(c));
  child.stdin.end(files.map((f) => `${f.sha}:${f.path}`).join('\n') + '\n');
  await new Promise((r) => child.on('close', r));
  const buf = Buffer.concat(chunks);
  const out = new Map<string, string>();
  let pos = 0;
  for (const f of files) {
    const nl = buf.indexOf(10, pos);
    if (nl < 0) break;
    const header = buf.subarray(pos, nl).toString('utf8').split(' ');
    pos = nl + 1;
    if (header[1] === 'missing' || header.length < 3) continue;
    const size = Number(header[2]);
    out.set(`${f.sha}:${f.path}`, buf.subarray(pos, pos + size).toString('utf8'));
    pos += size + 1;
  }
  return out;
}
