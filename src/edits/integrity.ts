import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { statePath } from '../state-dir.js';
import { hiddenByPlantedIgnore, loadedByNameInIgnored } from './ignored-surface.js';

const run = promisify(execFile);

/**
 * What could change the meaning of a proof or persist after it, recorded around every validation
 * command: the working tree as git sees it (tracked changes and untracked, non-ignored files),
 * the git dir's config and excludes, the hooks folder, `node_modules/.bin` shims and the package
 * manager configs. A proof may change none of it; anything it did change is put back.
 */
export interface ProofSurface {
  entries: Map<string, Entry>;
  /** Worktree paths git listed as changed or untracked (the rest match the index). */
  listed: Set<string>;
  /** Ignored paths as `git status --ignored=matching` lists them (folders end in `/`). */
  ignored: Set<string>;
}

type Entry =
  | { kind: 'file'; abs: string; bytes: Buffer | null; mode: number | null }
  | { kind: 'link'; abs: string; target: string | null; pointee: string };

/** Package manager configs that change what `npm run`/`yarn` do, wherever git says they are. */
const PM_CONFIGS = ['.npmrc', '.yarnrc', '.yarnrc.yml', '.pnpmfile.cjs', 'bunfig.toml'];
/** Git dir files that change what git runs or shows (fsmonitor, hooksPath, excludes). */
const GIT_FILES = ['config', 'info/exclude', 'info/attributes', 'commondir'];

/** A git that never runs the repo's fsmonitor or other configured commands while we look. */
async function git(root: string, args: string[]): Promise<string> {
  const { stdout } = await run(
    'git',
    ['-c', 'core.fsmonitor=false', '-c', 'core.untrackedCache=false', ...args],
    { cwd: root, maxBuffer: 512 * 1024 * 1024, encoding: 'utf8' },
  );
  return stdout;
}

export async function snapshotProofSurface(root: string): Promise<ProofSurface> {
  const entries = new Map<string, Entry>();
  const listed = new Set<string>();
  const ignored = new Set<string>();
  // One git status and the folder reads run at once: the wall time is the slowest, not the sum.
  const [status, paths, rootNames] = await Promise.all([
    git(root, [
      '--no-optional-locks', // a look must not rewrite the index (nor race the command's git)
      'status',
      '--porcelain=v2',
      '-z',
      '--untracked-files=all',
      '--ignored=matching', // ignored folders as one record each: node_modules/ is not walked
      '--no-renames',
    ]),
    gitPaths(root),
    fs.readdir(root).catch(() => [] as string[]),
  ]);
  const reads: Promise<void>[] = [];
  const add = (key: string, abs: string) =>
    reads.push(readEntry(abs).then((e) => void entries.set(key, e)));
  for (const rec of status.split('\0')) if (rec.startsWith('! ')) ignored.add(rec.slice(2));
  for (const rel of statusPaths(status)) {
    listed.add(rel);
    add(`worktree:${rel}`, path.join(root, rel));
  }
  // Ignore files, conftest.py and package manager configs count wherever they are, even ignored.
  const hidden = loadedByNameInIgnored(root, ignored).then((rels) =>
    Promise.all(
      rels.map((rel) =>
        readEntry(path.join(root, rel)).then((e) => void entries.set(`ignored:${rel}`, e)),
      ),
    ),
  );
  for (const name of PM_CONFIGS) add(`pm:${name}`, path.join(root, name));
  for (const [i, f] of GIT_FILES.entries()) add(`git:${f}`, paths[i]!);
  // Where distiq's own config is searched (cosmiconfig), ignored by git or not: it runs in distiq.
  for (const n of rootNames)
    if (/^(\.distiqrc|distiq\.config\.)/.test(n)) add(`cfg:${n}`, path.join(root, n));
  await Promise.all([
    ...reads,
    addFolder(entries, 'hooks', paths[GIT_FILES.length]!),
    addFolder(entries, 'bin', path.join(root, 'node_modules', '.bin')),
    addFolder(entries, 'cfgdir', path.join(root, '.config')),
    // distiq's crash journal: a journal planted (or removed) by a build would be applied next run.
    addFolder(entries, 'journal', statePath(root, 'journal')),
    hidden,
  ]);
  return { entries, listed, ignored };
}

/** Where the git dir's files and the hooks folder are; asked once per root (config changes are caught anyway). */
const pathCache = new Map<string, Promise<string[]>>();
function gitPaths(root: string): Promise<string[]> {
  let p = pathCache.get(root);
  if (!p) {
    p = git(root, [
      'rev-parse',
      '--path-format=absolute',
      ...GIT_FILES.flatMap((f) => ['--git-path', f]),
      '--git-path',
      'hooks',
    ]).then((out) => out.trim().split('\n'));
    pathCache.set(root, p);
  }
  return p;
}

/** Keys that differ, as readable paths (`worktree:src/a.ts` → `src/a.ts`). */
export function surfaceChanges(before: ProofSurface, after: ProofSurface): string[] {
  const keys = new Set([...before.entries.keys(), ...after.entries.keys()]);
  const out: string[] = [];
  for (const k of keys) {
    // A tree path git did not list matched the index: "as in the index", not "absent" (a
    // tracked file the command deleted must not look unchanged).
    const unlisted = k.startsWith('worktree:') ? 'index' : 'absent';
    const a = before.entries.get(k);
    const b = after.entries.get(k);
    if ((a ? signature(a) : unlisted) !== (b ? signature(b) : unlisted)) out.push(k);
  }
  return out.sort();
}

/**
 * Everything the proof changed: `surfaceChanges`, plus the ignored paths that appeared hidden by an
 * ignore file the build planted (`hidden:<path>`; an entry is added to `after` so they are restored,
 * i.e. removed, like any created file).
 */
export async function proofChanges(
  root: string,
  before: ProofSurface,
  after: ProofSurface,
): Promise<string[]> {
  const keys = surfaceChanges(before, after);
  const appeared = [...after.ignored].filter((p) => !before.ignored.has(p));
  const changed = new Set(keys);
  const isNew = (src: string) =>
    !before.listed.has(src) && !before.entries.has(`ignored:${src}`)
      ? true
      : changed.has(`worktree:${src}`) || changed.has(`ignored:${src}`);
  for (const rel of await hiddenByPlantedIgnore(root, appeared, isNew)) {
    const clean = rel.replace(/\/$/, '');
    const key = `hidden:${clean}`;
    if (changed.has(`ignored:${clean}`) || changed.has(key)) continue;
    after.entries.set(key, {
      kind: 'file',
      abs: path.join(root, clean),
      bytes: Buffer.from(''),
      mode: null,
    });
    keys.push(key);
  }
  return keys.sort();
}

export function describeKey(root: string, key: string, surface: ProofSurface): string {
  const [kind, ...rest] = key.split(':');
  const name = rest.join(':');
  if (kind === 'worktree' || kind === 'pm' || kind === 'ignored' || kind === 'hidden') return name;
  const e = surface.entries.get(key);
  return e ? path.relative(root, e.abs) || e.abs : name;
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
    if (/^(worktree|ignored|hidden):/.test(k)) await replaceLinkedParents(root, abs);
    await fs.rm(abs, { force: true, recursive: true });
    if (!want) {
      await removeEmptyParents(root, abs); // folders the command created for its planted file
      continue;
    }
    await fs.mkdir(path.dirname(abs), { recursive: true });
    if (want.kind === 'link') {
      if (want.target !== null) await fs.symlink(want.target, abs);
    } else if (want.bytes !== null) {
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

/** Paths of a `git status --porcelain=v2 -z` listing (changed, unmerged, untracked). */
function statusPaths(out: string): string[] {
  const recs = out.split('\0');
  const paths: string[] = [];
  for (const rec of recs) {
    if (rec.startsWith('1 ')) paths.push(rec.split(' ').slice(8).join(' '));
    else if (rec.startsWith('u ')) paths.push(rec.split(' ').slice(10).join(' '));
    else if (rec.startsWith('? ')) paths.push(rec.slice(2));
  }
  return paths;
}

async function readEntry(abs: string): Promise<Entry> {
  const st = await fs.lstat(abs).catch(() => null);
  if (!st) return { kind: 'file', abs, bytes: null, mode: null };
  // A FIFO, socket or device is never opened: reading a FIFO would hang the check.
  if (!st.isFile() && !st.isDirectory() && !st.isSymbolicLink())
    return { kind: 'file', abs, bytes: Buffer.from(`(special ${st.mode})`), mode: st.mode };
  if (st.isSymbolicLink()) {
    const target = await fs.readlink(abs);
    const real = await fs.stat(abs).catch(() => null);
    return {
      kind: 'link',
      abs,
      target,
      pointee: real ? `${real.size}:${real.mtimeMs}:${real.mode}` : 'dangling',
    };
  }
  if (st.isDirectory())
    return { kind: 'file', abs, bytes: Buffer.from('(directory)'), mode: st.mode };
  return { kind: 'file', abs, bytes: await fs.readFile(abs), mode: st.mode };
}

async function addFolder(entries: Map<string, Entry>, label: string, dir: string): Promise<void> {
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  await Promise.all(
    names.map(async (n) => void entries.set(`${label}:${n}`, await readEntry(path.join(dir, n)))),
  );
}

function signature(e: Entry | undefined): string {
  if (!e) return 'absent';
  if (e.kind === 'link') return `link:${e.target}:${e.pointee}`;
  if (e.bytes === null) return 'absent';
  return `file:${(e.mode ?? 0) & 0o7777}:${createHash('sha256').update(e.bytes).digest('hex')}`;
}
