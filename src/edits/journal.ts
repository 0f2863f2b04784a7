import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, promises as fs, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureStateDir, statePath } from '../state-dir.js';
import { loadPathPolicy, refusedPath } from './path-policy.js';
import { atomicWrite, readOrNull, resolveSafePath, sha256 } from './safe-write.js';

/**
 * The crash journal: before an edit's first byte is written, the originals go to a signed journal
 * in distiq's state dir (inside the git dir), so that a run killed between applying and proving is
 * undone by the next run, and a journal distiq did not write is never applied.
 */

interface JournalEntry {
  path: string;
  /** base64 of the original bytes; null: the file did not exist. */
  original: string | null;
  mode: number | null;
  /** sha256 of what distiq wrote (null: it deleted the file). */
  written: string | null;
}

const STALE_JOURNAL_MS = 60 * 60_000;

export async function writeJournal(
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
