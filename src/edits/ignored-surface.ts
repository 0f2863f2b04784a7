import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * The part of the proof surface git does not show: ignored files. A build may write ignored build
 * output, but two things in ignored places still change what later runs do, and are checked here:
 * files that tools load by name wherever they are (ignore and attribute files, `conftest.py`,
 * package manager configs), and paths hidden by an ignore file the build itself planted (a
 * self-ignoring `.gitignore` with `*` in a new folder hides everything next to it from git status).
 */

/** Names that change git's view, pytest's collection or a package manager, at any depth. */
export const LOADED_BY_NAME = new Set([
  '.gitignore',
  '.gitattributes',
  'conftest.py',
  '.npmrc',
  '.yarnrc',
  '.yarnrc.yml',
  '.pnpmfile.cjs',
  'bunfig.toml',
]);

/** Caches whose tools write a self-ignoring `.gitignore` on every run (allowlisted by folder and content). */
const SELF_IGNORING_CACHES = new Set(['.pytest_cache', '.mypy_cache', '.ruff_cache']);

/** Ignored paths (`! ` records of `git status --ignored=matching`) that carry a loaded-by-name file. */
export async function loadedByNameInIgnored(
  root: string,
  ignored: Iterable<string>,
): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    const entries = await fs.readdir(path.join(root, rel), { withFileTypes: true }).catch(() => []);
    await Promise.all(
      entries.map(async (e) => {
        const child = `${rel}/${e.name}`;
        if (e.isDirectory()) {
          // Installed packages are the package manager's; .git is recorded elsewhere.
          if (e.name !== 'node_modules' && e.name !== '.git') await walk(child);
        } else if (LOADED_BY_NAME.has(e.name) && !isToolCacheIgnore(child)) out.push(child);
      }),
    );
  };
  const dirs: Promise<void>[] = [];
  for (const p of ignored) {
    if (p.endsWith('/')) {
      const dir = p.slice(0, -1);
      if (path.posix.basename(dir) !== 'node_modules') dirs.push(walk(dir));
    } else if (LOADED_BY_NAME.has(path.posix.basename(p)) && !isToolCacheIgnore(p)) out.push(p);
  }
  await Promise.all(dirs);
  return out.sort();
}

/**
 * Of the ignored paths that appeared during the proof, those hidden by an ignore file git does not
 * track and that is not unchanged since before the proof (`isNew(source)`): the build planted it.
 */
export async function hiddenByPlantedIgnore(
  root: string,
  appeared: string[],
  isNew: (source: string) => boolean,
): Promise<string[]> {
  if (appeared.length === 0) return [];
  const out = await execGit(root, ['check-ignore', '-v', '-z', '--no-index', '--stdin'], appeared);
  const f = out.split('\0');
  const hits: { source: string; path: string }[] = [];
  for (let i = 0; i + 3 < f.length; i += 4) hits.push({ source: f[i]!, path: f[i + 3]! });
  const sources = [...new Set(hits.map((h) => h.source))].filter(
    (s) => s !== '' && !path.isAbsolute(s) && !s.startsWith('.git/'),
  );
  const tracked = new Set(
    sources.length
      ? (await execGit(root, ['ls-files', '-z', '--', ...sources.map((s) => `:(literal)${s}`)]))
          .split('\0')
          .filter(Boolean)
      : [],
  );
  const planted = new Set<string>();
  for (const s of sources) if (!tracked.has(s) && isNew(s) && !isToolCacheIgnore(s)) planted.add(s);
  return hits.filter((h) => planted.has(h.source)).map((h) => h.path);
}

/** `.pytest_cache/.gitignore`: it can only hide the cache folder's own contents. */
function isToolCacheIgnore(file: string): boolean {
  return (
    path.posix.basename(file) === '.gitignore' &&
    SELF_IGNORING_CACHES.has(path.posix.basename(path.posix.dirname(file)))
  );
}

async function execGit(root: string, args: string[], stdin?: string[]): Promise<string> {
  const p = run('git', ['-c', 'core.fsmonitor=false', ...args], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (stdin) {
    p.child.stdin?.end(stdin.map((s) => `${s}\0`).join(''));
  }
  try {
    return (await p).stdout;
  } catch (err) {
    // check-ignore exits 1 when nothing is ignored
    const e = err as { code?: number; stdout?: string };
    if (e.code === 1 && typeof e.stdout === 'string') return e.stdout;
    throw err;
  }
}
