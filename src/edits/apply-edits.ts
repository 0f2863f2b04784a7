import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  chmodSync,
  constants,
  promises as fs,
  mkdirSync,
  readFileSync,
  realpathSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DistiqError, ExitCode } from '../errors.js';
import type { FileEdit } from '../autofix/fixer.js';
import { ensureStateDir, statePath } from '../state-dir.js';
import { loadPathPolicy, refusedPath } from './path-policy.js';
import { type EditGuard, refusedEdit } from './protected-paths.js';

export class UnsafePathError extends DistiqError {
  constructor(
    readonly editPath: string,
    reason: string,
  ) {
    super(`Refused to write ${JSON.stringify(editPath)}: ${reason}`, ExitCode.NOT_FIXED);
  }
}

export class StaleEditError extends DistiqError {
  constructor(readonly editPath: string) {
    super(
      `Refused to write ${editPath}: it changed on disk after the repair was computed`,
      ExitCode.NOT_FIXED,
    );
  }
}

/** Edits change bytes of text files only: a binary or non-UTF-8 file would be corrupted by a string edit. */
export class UneditableFileError extends DistiqError {
  constructor(
    readonly editPath: string,
    why: string,
  ) {
    super(
      `Refused to edit ${editPath}: ${why}; distiq edits only UTF-8 text files`,
      ExitCode.NOT_FIXED,
    );
  }
}

/** Why these bytes cannot be edited as text, or null. */
export function notEditableText(bytes: Buffer): string | null {
  if (bytes.includes(0)) return 'it is binary (it contains NUL bytes)';
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return 'it is not valid UTF-8 (another encoding, e.g. Latin-1)';
  }
  return null;
}

export interface AppliedEdits {
  changed: string[];
  /** Restores every touched file byte for byte (and removes created ones). Idempotent. */
  rollback(): Promise<void>;
  /** The edits are proven and stay: the crash journal is dropped. */
  keep(): Promise<void>;
}

interface Original {
  abs: string;
  content: Buffer | null;
  mode: number | null;
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

/**
 * Writes all edits or none: every target is checked before the first byte is written, first by the
 * path policy (the allowlist; the one choke point every writer goes through), then for staleness
 * and encoding. Before the first write, the originals go to a journal in distiq's state dir (inside
 * the git dir), so that a run killed between applying and proving is undone by the next run.
 */
export async function applyEdits(
  root: string,
  edits: FileEdit[],
  guard: EditGuard,
): Promise<AppliedEdits> {
  const refused = refusedEdit(edits, guard);
  if (refused)
    throw new UnsafePathError(
      edits.find((e) => refusedPath(guard.policy, e.path, guard.scope))?.path ?? '',
      refused,
    );
  const plan = edits.map((e) => ({ edit: e, abs: resolveSafePath(root, e.path) }));
  const originals: Original[] = [];
  for (const { edit, abs } of plan) {
    const current = await readOrNull(abs);
    if (current !== null) {
      const why = notEditableText(current);
      if (why) throw new UneditableFileError(edit.path, why);
    }
    // Byte for byte: a string compare would hide a re-encoding.
    const same =
      current === null
        ? edit.before === null
        : edit.before !== null && current.equals(Buffer.from(edit.before, 'utf8'));
    if (!same) throw new StaleEditError(edit.path);
    const mode = current === null ? null : (await fs.stat(abs)).mode;
    originals.push({ abs, content: current, mode });
  }
  const journal = await writeJournal(
    root,
    plan.map(({ edit }, i) => ({
      path: edit.path,
      original: originals[i]!.content,
      mode: originals[i]!.mode,
      written: edit.after,
    })),
  );
  let rolledBack = false;
  const rollback = async () => {
    if (rolledBack) return;
    rolledBack = true;
    for (const o of [...originals].reverse()) {
      if (o.content === null) await fs.rm(o.abs, { force: true });
      else await atomicWrite(o.abs, o.content, o.mode);
    }
    await fs.rm(journal, { force: true });
  };
  const keep = async () => {
    await fs.rm(journal, { force: true });
  };
  try {
    for (const [i, { edit, abs }] of plan.entries()) {
      if (edit.after === null) {
        await fs.rm(abs, { force: true });
        continue;
      }
      await fs.mkdir(path.dirname(abs), { recursive: true });
      await atomicWrite(abs, Buffer.from(edit.after, 'utf8'), originals[i]!.mode);
    }
  } catch (err) {
    await rollback();
    throw err;
  }
  return { changed: plan.map((p) => p.edit.path), rollback, keep };
}

interface JournalEntry {
  path: string;
  /** base64 of the original bytes; null: the file did not exist. */
  original: string | null;
  mode: number | null;
  /** sha256 of what distiq wrote (null: it deleted the file). */
  written: string | null;
}

const STALE_JOURNAL_MS = 60 * 60_000;

async function writeJournal(
  root: string,
  files: { path: string; original: Buffer | null; mode: number | null; written: string | null }[],
): Promise<string> {
  const dir = statePath(root, 'journal');
  ensureStateDir(dir);
  const file = path.join(dir, `${process.pid}-${randomBytes(4).toString('hex')}.json`);
  const entries: JournalEntry[] = files.map((f) => ({
    path: f.path,
    original: f.original === null ? null : f.original.toString('base64'),
    mode: f.mode,
    written: f.written === null ? null : sha256(Buffer.from(f.written, 'utf8')),
  }));
  const body = JSON.stringify({ pid: process.pid, at: Date.now(), files: entries });
  await atomicWrite(file, Buffer.from(JSON.stringify({ body, mac: journalMac(body) })), null);
  return file;
}

/**
 * A journal is signed with a per-machine key kept outside every repository (and hidden from the
 * sandboxed validation commands): a journal distiq did not write (committed, planted by a build)
 * fails the check and is quarantined, never applied.
 */
function journalMac(body: string): string {
  return createHmac('sha256', journalKey()).update(body).digest('hex');
}

let key: Buffer | undefined;
function journalKey(): Buffer {
  if (key) return key;
  const base = process.env.XDG_STATE_HOME || path.join(os.homedir(), '.local', 'state');
  const file = path.join(base, 'distiq', 'journal.key');
  try {
    key = readFileSync(file);
    if (key.length >= 32) return key;
  } catch {
    // first use on this machine
  }
  key = randomBytes(32);
  try {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, key, { mode: 0o600 });
    chmodSync(file, 0o600);
  } catch {
    // unwritable home: journals of this process are still verifiable by it, later runs quarantine them
  }
  return key;
}

function verifiedBody(raw: string): { pid: number; at: number; files: JournalEntry[] } | null {
  try {
    const outer = JSON.parse(raw) as { body?: unknown; mac?: unknown };
    if (
      typeof outer.body !== 'string' ||
      typeof outer.mac !== 'string' ||
      !/^[0-9a-f]{64}$/.test(outer.mac)
    )
      return null;
    const want = Buffer.from(journalMac(outer.body), 'hex');
    if (!timingSafeEqual(want, Buffer.from(outer.mac, 'hex'))) return null;
    const j = JSON.parse(outer.body) as { pid: number; at: number; files: JournalEntry[] };
    return Array.isArray(j.files) ? j : null;
  } catch {
    return null;
  }
}

async function quarantine(root: string, file: string, why: string): Promise<void> {
  const dir = statePath(root, 'quarantine');
  ensureStateDir(dir);
  const to = path.join(dir, `${Date.now()}-${path.basename(file)}`);
  await fs.rename(file, to).catch(() => fs.rm(file, { force: true }));
  process.stderr.write(
    `distiq: warning: journal ${path.basename(file)} was not applied (${why}); quarantined in ${to}\n`,
  );
}

/**
 * Undoes edits a killed run left unproven: a file still holding exactly what distiq wrote gets its
 * original back (a file changed since is left alone: it is someone's work now), and leftover temp
 * files are removed. Journals of a live run are skipped. Returns the restored paths.
 */
export async function recoverInterruptedEdits(root: string): Promise<string[]> {
  const dir = statePath(root, 'journal');
  let names: string[];
  try {
    names = (await fs.readdir(dir)).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
  const restored: string[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    const journal = verifiedBody(await fs.readFile(file, 'utf8').catch(() => ''));
    if (!journal) {
      await quarantine(root, file, 'distiq did not write it: its signature does not match');
      continue;
    }
    if (
      journal.pid !== process.pid &&
      isAlive(journal.pid) &&
      Date.now() - journal.at < STALE_JOURNAL_MS
    )
      continue;
    const bad = await badEntry(root, journal.files);
    if (bad) {
      await quarantine(root, file, bad);
      continue;
    }
    for (const entry of [...journal.files].reverse()) {
      const abs = resolveSafePath(root, entry.path);
      const current = await readOrNull(abs);
      const stillOurs =
        entry.written === null
          ? current === null
          : current !== null && sha256(current) === entry.written;
      if (stillOurs) {
        if (entry.original === null) await fs.rm(abs, { force: true });
        else await atomicWrite(abs, Buffer.from(entry.original, 'base64'), entry.mode);
        restored.push(entry.path);
      }
      const base = path.basename(abs);
      for (const n of await fs.readdir(path.dirname(abs)).catch(() => [] as string[]))
        if (n.startsWith(`.${base}.distiq-`) && n.endsWith('.tmp'))
          await fs.rm(path.join(path.dirname(abs), n), { force: true });
    }
    await fs.rm(file, { force: true });
  }
  return restored;
}

/** Every entry must name a writable path in an existing folder; otherwise nothing of it is applied. */
async function badEntry(root: string, files: JournalEntry[]): Promise<string | null> {
  const policy = loadPathPolicy(root);
  for (const e of files) {
    if (typeof e.path !== 'string') return 'an entry without a path';
    const refusal = refusedPath(policy, e.path);
    if (refusal && refusal.code !== 'untracked' && refusal.code !== 'scope')
      return `${e.path}: ${refusal.reason}`;
    let abs: string;
    try {
      abs = resolveSafePath(root, e.path);
    } catch (err) {
      return (err as Error).message;
    }
    const folder = await fs.lstat(path.dirname(abs)).catch(() => null);
    if (!folder?.isDirectory()) return `${e.path} is in a folder that does not exist`;
  }
  return null;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

async function readOrNull(abs: string): Promise<Buffer | null> {
  try {
    return await fs.readFile(abs);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Temp file in the same directory, then rename: a crash never leaves a half-written file. */
async function atomicWrite(abs: string, content: Buffer, mode: number | null): Promise<void> {
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
