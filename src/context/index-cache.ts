// The index's on-disk cache: one JSON entry per git blob, and a manifest written atomically.
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { FileEntry } from './index-types.js';

const run = promisify(execFile);
export const CACHE_VERSION = 5; // bump when what a file entry records changes

export interface Manifest {
  version: number;
  files: Record<
    string,
    { hash: string; defs: number; refs: number; imports: string[]; resolved?: string[] }
  >;
}

export function readManifest(dir: string): Manifest {
  try {
    const m = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as Manifest;
    return m.version === CACHE_VERSION ? m : { version: CACHE_VERSION, files: {} };
  } catch {
    return { version: CACHE_VERSION, files: {} };
  }
}

function blobFile(dir: string, hash: string): string {
  return path.join(dir, 'blobs', hash.slice(0, 2), `${hash}.json`);
}

/**
 * Content-addressed: one entry per git blob, shared by identical files, never rewritten. Written in
 * place: a torn write (crash) fails to parse and is treated as a cache miss.
 */
export function writeBlob(dir: string, entry: FileEntry): void {
  const file = blobFile(dir, entry.hash);
  if (existsSync(file)) return;
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify({ ...entry, resolved: [] }));
}

export function readBlob(dir: string, hash: string): FileEntry | null {
  try {
    return JSON.parse(readFileSync(blobFile(dir, hash), 'utf8')) as FileEntry;
  } catch {
    return null;
  }
}

export function writeManifest(dir: string, m: Manifest): void {
  mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `manifest.json.${process.pid}.tmp`);
  writeFileSync(tmp, JSON.stringify(m));
  renameSync(tmp, path.join(dir, 'manifest.json')); // readers never see a half-written manifest
}

/** Tracked files with their blob hash (unchanged in the work tree), plus untracked, non-ignored ones. */
export async function listFiles(root: string): Promise<{ path: string; hash: string | null }[]> {
  const [staged, modified, untracked] = await Promise.all([
    run('git', ['ls-files', '-s', '-z'], { cwd: root, maxBuffer: 256 * 1024 * 1024 }),
    run('git', ['ls-files', '-m', '-z'], { cwd: root, maxBuffer: 64 * 1024 * 1024 }),
    run('git', ['ls-files', '-o', '--exclude-standard', '-z'], {
      cwd: root,
      maxBuffer: 64 * 1024 * 1024,
    }),
  ]);
  const dirty = new Set(modified.stdout.split('\0').filter(Boolean));
  const out: { path: string; hash: string | null }[] = [];
  for (const rec of staged.stdout.split('\0')) {
    const m = /^\d+ ([0-9a-f]{40}) \d\t(.+)$/.exec(rec);
    if (m && !dirty.has(m[2]!)) out.push({ path: m[2]!, hash: m[1]! });
    else if (m) out.push({ path: m[2]!, hash: null });
  }
  for (const p of untracked.stdout.split('\0').filter(Boolean))
    if (!p.startsWith('.distiq/')) out.push({ path: p, hash: null });
  return out;
}

/** The hash git would give this content, so cached entries match `git ls-files -s`. */
export function blobHash(buf: Buffer): string {
  return createHash('sha1').update(`blob ${buf.length}\0`).update(buf).digest('hex');
}
