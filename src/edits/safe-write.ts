import { createHash, randomBytes } from 'node:crypto';
import { constants, promises as fs, realpathSync } from 'node:fs';
import path from 'node:path';
import { DistiqError, ExitCode } from '../errors.js';

/**
 * Where an edit's bytes may land (inside the repo, never in .git, never through a symlink that
 * leaves it) and how they get there (a temp file in the same folder, then a rename).
 */

export class UnsafePathError extends DistiqError {
  constructor(
    readonly editPath: string,
    reason: string,
  ) {
    super(`Refused to write ${JSON.stringify(editPath)}: ${reason}`, ExitCode.NOT_FIXED);
  }
}

/**
 * Resolves an edit path and refuses anything outside the repo root, inside `.git/`,
 * or reached through a symlink that leaves the repo.
 */
export function resolveSafePath(root: string, rel: string): string {
  if (rel === '' || rel.includes('\0')) throw new UnsafePathError(rel, 'empty or invalid path');
  if (path.isAbsolute(rel) || /^[A-Za-z]:[\\/]/.test(rel))
    throw new UnsafePathError(
      rel,
      'absolute paths are not allowed; use a path relative to the repo root',
    );
  const realRoot = realpathSync(root);
  const abs = path.resolve(realRoot, rel);
  const inside = path.relative(realRoot, abs);
  if (inside === '' || inside.startsWith('..') || path.isAbsolute(inside))
    throw new UnsafePathError(rel, 'it is outside the repository root');
  if (inside.split(path.sep)[0] === '.git')
    throw new UnsafePathError(rel, 'writing inside .git/ is never allowed');
  // Follow symlinks on the existing part of the path: it must still land inside the repo.
  let probe = abs;
  while (probe !== realRoot) {
    try {
      const real = realpathSync(probe);
      const realInside = path.relative(realRoot, real);
      if (realInside.startsWith('..') || path.isAbsolute(realInside))
        throw new UnsafePathError(rel, 'a symlink on its path leads outside the repository');
      if (realInside.split(path.sep)[0] === '.git')
        throw new UnsafePathError(rel, 'a symlink on its path leads into .git/');
      break;
    } catch (err) {
      if (err instanceof UnsafePathError) throw err;
      probe = path.dirname(probe); // does not exist yet: check its parent
    }
  }
  return abs;
}

export function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

export async function readOrNull(abs: string): Promise<Buffer | null> {
  try {
    return await fs.readFile(abs);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Temp file in the same directory, then rename: a crash never leaves a half-written file. */
export async function atomicWrite(
  abs: string,
  content: Buffer,
  mode: number | null,
): Promise<void> {
  const tmp = path.join(
    path.dirname(abs),
    `.${path.basename(abs)}.distiq-${randomBytes(4).toString('hex')}.tmp`,
  );
  const handle = await fs.open(
    tmp,
    constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY,
    mode ?? 0o644,
  );
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  if (mode !== null) await fs.chmod(tmp, mode & 0o7777);
  await fs.rename(tmp, abs);
}
