import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { buildIndex } from '../context/index.js';
import type { IndexStats } from '../context/index-types.js';
import { UsageError } from '../errors.js';

/** `distiq index`: refreshes the cache, loading nothing else (this path is timed against ctags). */
export async function indexRepo(
  cwd: string,
  onWarn?: (m: string) => void,
): Promise<IndexStats & { root: string }> {
  const root = await promisify(execFile)('git', ['rev-parse', '--show-toplevel'], { cwd }).then(
    (r) => r.stdout.trim(),
    () => {
      throw new UsageError(`${cwd} is not inside a git repository`);
    },
  );
  const index = await buildIndex(root, { onWarn, load: false });
  return { root, ...index.stats };
}
