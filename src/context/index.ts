import { mkdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Parser } from 'web-tree-sitter';
import { ensureStateDir, statePath } from '../state-dir.js';
import {
  blobHash,
  CACHE_VERSION,
  listFiles,
  type Manifest,
  readBlob,
  readManifest,
  writeBlob,
  writeManifest,
} from './index-cache.js';
import { indexFile } from './index-file.js';
import type { FileEntry, RepoIndex } from './index-types.js';
import { languageOf, type LangId } from './languages.js';
import { resolveImport } from './resolve-import.js';

const MAX_FILE_BYTES = 1024 * 1024;

/**
 * Indexes every tracked source file (git decides what is ignored): definitions with spans and
 * signatures, references, and imports resolved to repo files. Each file is cached by its git blob
 * hash under the state dir's index/, so a re-index parses only files whose content changed.
 */
export async function buildIndex(
  root: string,
  opts: {
    onWarn?: (m: string) => void;
    /** false: refresh the cache and stats only (distiq index) */ load?: boolean;
  } = {},
): Promise<RepoIndex> {
  const started = performance.now();
  let peakRss = process.memoryUsage().rss;
  const dir = statePath(root, 'index');
  const manifest = readManifest(dir);
  const listed = await listFiles(root);
  const files = new Map<string, FileEntry>();
  const next: Manifest = { version: CACHE_VERSION, files: {} };
  const stats = {
    files: 0,
    parsed: 0,
    cached: 0,
    definitions: 0,
    references: 0,
    importEdges: 0,
    skipped: { binary: 0, tooLarge: 0, unreadable: 0, parseFailed: 0 },
    durationMs: 0,
    peakRssMb: 0,
  };
  const parsers = new Map<LangId, Parser>();
  const load = opts.load !== false;
  mkdirSync(dir, { recursive: true });
  const todo: WorkItem[] = [];
  for (const { path: rel, hash } of listed) {
    const lang = languageOf(rel);
    if (!lang) continue;
    const known = hash ? manifest.files[rel] : undefined;
    if (known && known.hash === hash) {
      // Without loading, the manifest is trusted; a blob lost since is re-parsed by the next loading run.
      const cached = load ? readBlob(dir, hash) : true;
      if (cached) {
        next.files[rel] = known;
        stats.cached++;
        if (cached !== true) files.set(rel, cached);
        continue;
      }
    }
    todo.push({ rel, hash, lang });
  }
  ensureStateDir(dir);
  const results =
    todo.length >= PARALLEL_THRESHOLD && WORKERS > 1
      ? await inWorkers(root, dir, todo, load)
      : await processAll(root, dir, todo, load, parsers);
  for (const r of results) {
    if (r.status !== 'ok') {
      stats.skipped[r.status]++;
      if (r.status === 'parseFailed') opts.onWarn?.(`${r.rel}: not indexed (${r.error})`);
      continue;
    }
    next.files[r.rel] = r.manifest!;
    if (r.entry) files.set(r.rel, r.entry);
    stats.parsed++;
  }
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  for (const p of parsers.values()) p.delete();
  // Import edges depend on which files exist: re-resolved for every file only when the set changed.
  const known = new Set(Object.keys(next.files));
  const sameSet =
    known.size === Object.keys(manifest.files).length &&
    [...known].every((k) => k in manifest.files);
  for (const [rel, m] of Object.entries(next.files)) {
    const reuse = sameSet && m.resolved && manifest.files[rel]?.hash === m.hash;
    const resolved = reuse
      ? m.resolved!
      : [
          ...new Set(
            m.imports
              .map((i) => resolveImport(rel, i, known))
              .filter((r): r is string => Boolean(r)),
          ),
        ];
    m.resolved = resolved;
    const e = files.get(rel);
    if (e) e.resolved = resolved;
    stats.definitions += m.defs;
    stats.references += m.refs;
    stats.importEdges += resolved.length;
  }
  const skipped =
    stats.skipped.binary +
    stats.skipped.tooLarge +
    stats.skipped.unreadable +
    stats.skipped.parseFailed;
  if (skipped > 0)
    opts.onWarn?.(
      `${skipped} file(s) skipped: ${stats.skipped.binary} binary, ${stats.skipped.tooLarge} over 1 MiB, ${stats.skipped.unreadable} unreadable, ${stats.skipped.parseFailed} failed to parse`,
    );
  stats.files = known.size;
  if (stats.parsed > 0 || !sameSet) writeManifest(dir, next);
  stats.durationMs = Math.round(performance.now() - started);
  stats.peakRssMb = Math.round(Math.max(peakRss, process.memoryUsage().rss) / 1048576);
  return { root, files, stats };
}

interface WorkItem {
  rel: string;
  hash: string | null;
  lang: LangId;
}

interface WorkResult {
  rel: string;
  status: 'ok' | 'binary' | 'tooLarge' | 'unreadable' | 'parseFailed';
  manifest?: Manifest['files'][string];
  entry?: FileEntry;
  error?: string;
}

const PARALLEL_THRESHOLD = 200;
const WORKERS = Math.min(4, os.availableParallelism());

/** Reads, checks and indexes files, writing their blobs; returns entries only when asked to load them. */
export async function processAll(
  root: string,
  dir: string,
  items: WorkItem[],
  load: boolean,
  parsers = new Map<LangId, Parser>(),
): Promise<WorkResult[]> {
  const out: WorkResult[] = [];
  for (const { rel, hash, lang } of items) {
    let buf: Buffer;
    try {
      buf = readFileSync(path.join(root, rel));
    } catch {
      out.push({ rel, status: 'unreadable' });
      continue;
    }
    if (buf.length > MAX_FILE_BYTES) {
      out.push({ rel, status: 'tooLarge' });
      continue;
    }
    if (buf.includes(0)) {
      out.push({ rel, status: 'binary' });
      continue;
    }
    try {
      const entry = await indexFile(
        rel,
        buf.toString('utf8'),
        hash ?? blobHash(buf),
        lang,
        parsers,
      );
      writeBlob(dir, entry);
      out.push({
        rel,
        status: 'ok',
        manifest: {
          hash: entry.hash,
          defs: entry.defs.length,
          refs: entry.refs.names.length,
          imports: entry.imports,
        },
        ...(load ? { entry } : {}),
      });
    } catch (err) {
      out.push({
        rel,
        status: 'parseFailed',
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }
  return out;
}

/** A cold index on a large repo: the files split across worker threads, one per core. */
async function inWorkers(
  root: string,
  dir: string,
  items: WorkItem[],
  load: boolean,
): Promise<WorkResult[]> {
  const { Worker } = await import('node:worker_threads');
  const chunks: WorkItem[][] = Array.from({ length: WORKERS }, () => []);
  items.forEach((item, i) => chunks[i % WORKERS]!.push(item));
  const parts = await Promise.all(
    chunks.map(
      (chunk) =>
        new Promise<WorkResult[]>((resolve, reject) => {
          const w = new Worker(new URL('./index-worker.js', import.meta.url), {
            workerData: { root, dir, items: chunk, load },
          });
          w.once('message', (m: WorkResult[]) => resolve(m));
          w.once('error', reject);
          w.once(
            'exit',
            (code) => code !== 0 && reject(new Error(`index worker exited with ${code}`)),
          );
        }),
    ),
  );
  return parts.flat();
}
