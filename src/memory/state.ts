import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';

const cache = new Map<string, string>();

/**
 * distiq's state folder for memory, replay cache and outcome log: `<git common dir>/distiq`.
 * Inside `.git`, so no edit can reach it (edits into `.git/` are refused) and every worktree of
 * the repo shares it. H13's `stateDir(root)` in src/state-dir.ts can replace this one.
 */
export function memoryStateDir(root: string): string {
  const known = cache.get(root);
  if (known) return known;
  let dir: string;
  try {
    const common = execFileSync('git', ['rev-parse', '--git-common-dir'], { cwd: root, encoding: 'utf8' }).trim();
    dir = path.join(path.resolve(root, common), 'distiq');
  } catch {
    dir = path.join(root, '.distiq'); // not a git repo: the old place (ignores itself)
  }
  cache.set(root, dir);
  return dir;
}

export function ensureDir(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return dir;
}
