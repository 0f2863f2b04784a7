import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  describeKey,
  type Entry,
  git,
  proofChanges,
  type ProofSurface,
  snapshotProofSurface,
} from './integrity.js';

const run = promisify(execFile);

/**
 * Runs `fn` (validation commands) with the proof surface recorded around it. Whatever it changed
 * is put back, also when `fn` throws, and looked at again until nothing is left: undoing a commit
 * or an index change can bring a planted file back into git's view. Returns what it changed.
 */
export async function guardSurface<T>(
  root: string,
  fn: () => Promise<T>,
): Promise<{ result: T; tampered: string[] }> {
  const before = await snapshotProofSurface(root);
  let result: T;
  try {
    result = await fn();
  } catch (err) {
    await undoChanges(root, before);
    throw err;
  }
  return { result, tampered: await undoChanges(root, before) };
}

async function undoChanges(root: string, before: ProofSurface): Promise<string[]> {
  const named = new Set<string>();
  for (let round = 0; round < 3; round++) {
    const after = await snapshotProofSurface(root);
    const keys = await proofChanges(root, before, after);
    if (keys.length === 0) break;
    for (const k of keys) named.add(describeKey(root, k, before.entries.has(k) ? before : after));
    await restoreSurface(root, before, after, keys);
  }
  return [...named];
}

/**
 * Puts every changed key back to its recorded state: bytes and mode for files, targets for links;
 * what did not exist is removed. A worktree file git did not list before matched the index then,
 * so the index's blob is its content.
 */
export async function restoreSurface(
  root: string,
  before: ProofSurface,
  after: ProofSurface,
  keys: string[],
): Promise<void> {
  for (const k of keys) {
    let want = before.entries.get(k);
    const now = after.entries.get(k);
    const abs = want?.abs ?? now?.abs;
    if (!abs) continue;
    if (!want && k.startsWith('worktree:'))
      want = await fromIndex(root, k.slice('worktree:'.length), abs);
    // A tree path's parents were real folders before (git never looks through a symlink): a link or
    // file the command put there is removed first, so nothing is removed or written through it.
    if (want?.kind === 'file' && want.opaque) continue; // cannot be written back; named in the report
    if (/^(worktree|ignored|hidden):/.test(k)) await replaceLinkedParents(root, abs);
    await fs.rm(abs, { force: true, recursive: true });
    if (!want) {
      await removeEmptyParents(root, abs); // folders the command created for its planted file
      continue;
    }
    await fs.mkdir(path.dirname(abs), { recursive: true });
    if (want.kind === 'link') {
      if (want.target !== null) await fs.symlink(want.target, abs);
    } else if (want.kind === 'file' && want.bytes !== null) {
      await fs.writeFile(abs, want.bytes);
      if (want.mode !== null) await fs.chmod(abs, want.mode & 0o7777);
    }
  }
}

async function replaceLinkedParents(root: string, abs: string): Promise<void> {
  const parts = path.relative(root, path.dirname(abs)).split(path.sep).filter(Boolean);
  let cur = root;
  for (const part of parts) {
    cur = path.join(cur, part);
    const st = await fs.lstat(cur).catch(() => null);
    if (!st) return;
    if (!st.isDirectory()) {
      await fs.rm(cur, { force: true });
      return;
    }
  }
}

async function removeEmptyParents(root: string, abs: string): Promise<void> {
  for (let dir = path.dirname(abs); dir.startsWith(root + path.sep); dir = path.dirname(dir)) {
    if ((await fs.readdir(dir).catch(() => ['?'])).length > 0) return;
    await fs.rmdir(dir).catch(() => undefined);
  }
}

async function fromIndex(root: string, rel: string, abs: string): Promise<Entry | undefined> {
  // Literal and exact: `src/lib` must not match the files under a tracked folder `src/lib/`.
  const line =
    (await git(root, ['ls-files', '-s', '-z', '--', `:(literal)${rel}`]))
      .split('\0')
      .find((l) => l.slice(l.indexOf('\t') + 1) === rel) ?? '';
  const m = /^(\d+) ([0-9a-f]+) \d\t/.exec(line);
  if (!m) return undefined; // not in the index: it did not exist
  const { stdout } = await run('git', ['cat-file', 'blob', m[2]!], {
    cwd: root,
    encoding: 'buffer',
    maxBuffer: 512 * 1024 * 1024,
  });
  if (m[1] === '120000') return { kind: 'link', abs, target: stdout.toString('utf8'), pointee: '' };
  return { kind: 'file', abs, bytes: stdout, mode: m[1] === '100755' ? 0o755 : 0o644 };
}
