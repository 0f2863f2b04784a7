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

export type Entry =
  | {
      kind: 'file';
      abs: string;
      bytes: Buffer | null;
      mode: number | null;
      /** Compared instead of the bytes, when those are not held (a folder, a FIFO, a huge or unreadable file). */
      sig?: string;
      /** Without bytes: it cannot be written back, only removed when it did not exist before. */
      opaque?: boolean;
    }
  | { kind: 'link'; abs: string; target: string | null; pointee: string };

/** Bigger files are compared by size, time and inode, never read whole (a planted 3 GB file must not crash the check). */
const MAX_READ_BYTES = 64 * 1024 * 1024;

/** Package manager configs that change what `npm run`/`yarn` do, wherever git says they are. */
const PM_CONFIGS = ['.npmrc', '.yarnrc', '.yarnrc.yml', '.pnpmfile.cjs', 'bunfig.toml'];
/** Git dir files that change what git runs or shows (fsmonitor, hooksPath, excludes). */
const GIT_FILES = [
  'config',
  'info/exclude',
  'info/attributes',
  'commondir',
  // Where HEAD points: a command that commits, switches or detaches changes one of these.
  'HEAD',
  'packed-refs',
  // What git status compares against (assume-unchanged and skip-worktree hide a change from it).
  'index',
];

/** A git that never runs the repo's fsmonitor or other configured commands while we look. */
export async function git(root: string, args: string[]): Promise<string> {
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
  // The branch HEAD names, as a loose ref in the common dir (where `config` is).
  const head = await fs.readFile(paths[GIT_FILES.indexOf('HEAD')]!, 'utf8').catch(() => '');
  const ref = /^ref: (refs\/[^\s]+)\s*$/.exec(head)?.[1];
  if (ref && !ref.split('/').includes('..'))
    add(`git:${ref}`, path.join(path.dirname(paths[0]!), ref));
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
  // The index file also changes when a command's git refreshes stat data: only a change in what
  // it lists (blobs, modes, assume-unchanged/skip-worktree flags) counts.
  const i = keys.indexOf('git:index');
  if (i >= 0 && (await sameIndexListing(root, before, after))) keys.splice(i, 1);
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

async function sameIndexListing(
  root: string,
  before: ProofSurface,
  after: ProofSurface,
): Promise<boolean> {
  const a = before.entries.get('git:index');
  const b = after.entries.get('git:index');
  if (a?.kind !== 'file' || b?.kind !== 'file' || !a.bytes || !b.bytes) return false;
  const copy = path.join(path.dirname(a.abs), `distiq-index-${process.pid}`);
  await fs.writeFile(copy, a.bytes);
  try {
    const list = (file: string) =>
      run('git', ['-c', 'core.fsmonitor=false', 'ls-files', '-s', '-v', '-z'], {
        cwd: root,
        env: { ...process.env, GIT_INDEX_FILE: file },
        maxBuffer: 512 * 1024 * 1024,
        encoding: 'utf8',
      }).then((r) => r.stdout);
    const [x, y] = await Promise.all([list(copy), list(b.abs)]);
    return x === y;
  } finally {
    await fs.rm(copy, { force: true });
  }
}

export function describeKey(root: string, key: string, surface: ProofSurface): string {
  const [kind, ...rest] = key.split(':');
  const name = rest.join(':');
  if (kind === 'worktree' || kind === 'pm' || kind === 'ignored' || kind === 'hidden') return name;
  const e = surface.entries.get(key);
  return e ? path.relative(root, e.abs) || e.abs : name;
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
  const opaque = (sig: string): Entry => ({
    kind: 'file',
    abs,
    bytes: null,
    mode: st.mode,
    sig,
    opaque: true,
  });
  // A FIFO, socket or device is never opened: reading a FIFO would hang the check.
  if (!st.isFile() && !st.isDirectory() && !st.isSymbolicLink())
    return opaque(`special:${st.mode}`);
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
  if (st.isDirectory()) return opaque('directory');
  const stamp = `${st.size}:${st.mtimeMs}:${st.ino}:${st.mode}`;
  if (st.size > MAX_READ_BYTES) return opaque(`large:${stamp}`);
  const bytes = await fs.readFile(abs).catch(() => null);
  return bytes ? { kind: 'file', abs, bytes, mode: st.mode } : opaque(`unreadable:${stamp}`);
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
  if (e.sig !== undefined) return `${e.kind}:${e.sig}`;
  if (e.bytes === null) return 'absent';
  return `file:${(e.mode ?? 0) & 0o7777}:${createHash('sha256').update(e.bytes).digest('hex')}`;
}
