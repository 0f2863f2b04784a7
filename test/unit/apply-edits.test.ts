import { chmodSync, existsSync, readFileSync, realpathSync, statSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  applyEdits,
  resolveSafePath,
  StaleEditError,
  UnsafePathError,
} from '../../src/edits/apply-edits.js';
import { loadPathPolicy } from '../../src/edits/path-policy.js';
import { makeRepo, tempDir } from '../helpers.js';

const guard = (dir: string, created: string[] = []) => ({
  policy: loadPathPolicy(dir),
  scope: { created },
});

describe('applyEdits', () => {
  it('writes, then rolls back byte for byte (mode kept, created files removed)', async () => {
    const original = Buffer.from('line1\r\nline2 é\n');
    const dir = makeRepo({ files: { 'a.sh.js': original.toString('utf8') } });
    chmodSync(path.join(dir, 'a.sh.js'), 0o755);
    const applied = await applyEdits(
      dir,
      [
        { path: 'a.sh.js', before: original.toString('utf8'), after: 'changed\n' },
        { path: 'new/dir/b.ts', before: null, after: 'export {}\n' },
      ],
      guard(dir, ['new/dir/b.ts']),
    );
    expect(readFileSync(path.join(dir, 'a.sh.js'), 'utf8')).toBe('changed\n');
    expect(statSync(path.join(dir, 'a.sh.js')).mode & 0o777).toBe(0o755);
    expect(readFileSync(path.join(dir, 'new/dir/b.ts'), 'utf8')).toBe('export {}\n');
    await applied.rollback();
    expect(readFileSync(path.join(dir, 'a.sh.js')).equals(original)).toBe(true);
    expect(statSync(path.join(dir, 'a.sh.js')).mode & 0o777).toBe(0o755);
    expect(existsSync(path.join(dir, 'new/dir/b.ts'))).toBe(false);
  });

  it('refuses a stale edit and writes nothing at all', async () => {
    const dir = makeRepo({ files: { 'a.txt': 'A', 'b.txt': 'B' } });
    const err = await applyEdits(
      dir,
      [
        { path: 'a.txt', before: 'A', after: 'A2' },
        { path: 'b.txt', before: 'not what is on disk', after: 'B2' },
      ],
      guard(dir),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StaleEditError);
    expect(readFileSync(path.join(dir, 'a.txt'), 'utf8')).toBe('A');
  });

  it.each([
    ['../outside.txt', 'outside the repository root'],
    ['/etc/passwd', 'absolute paths'],
    ['.git/hooks/pre-commit', '.git/'],
    ['a/../../x', 'outside the repository root'],
  ])('refuses %s', (rel, reason) => {
    const dir = tempDir();
    expect(() => resolveSafePath(dir, rel)).toThrow(UnsafePathError);
    expect(() => resolveSafePath(dir, rel)).toThrow(reason);
  });

  it('refuses a path through a symlink that leaves the repo', async () => {
    const dir = makeRepo({ files: { 'real/keep.md': 'x' } });
    const outside = tempDir();
    symlinkSync(outside, path.join(dir, 'link'));
    await expect(
      applyEdits(
        dir,
        [{ path: 'link/evil.txt', before: null, after: 'x' }],
        guard(dir, ['link/evil.txt']),
      ),
    ).rejects.toThrow(/symlink/);
    expect(existsSync(path.join(outside, 'evil.txt'))).toBe(false);
    expect(resolveSafePath(dir, 'real/ok.txt')).toBe(
      path.join(realpathSync(dir), 'real', 'ok.txt'),
    );
  });
});
