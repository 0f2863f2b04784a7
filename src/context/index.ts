import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Node, Parser } from 'web-tree-sitter';
import { ensureStateDir, statePath } from '../state-dir.js';
import type { Definition, FileEntry, RepoIndex } from './index-types.js';
import { languageOf, loadLanguage, treeSitter, type LangId } from './languages.js';
import { resolveImport } from './resolve-import.js';

const run = promisify(execFile);
const MAX_FILE_BYTES = 1024 * 1024;
const CACHE_VERSION = 5; // bump when what a file entry records changes

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

interface Manifest {
  version: number;
  files: Record<
    string,
    { hash: string; defs: number; refs: number; imports: string[]; resolved?: string[] }
  >;
}

function readManifest(dir: string): Manifest {
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
function writeBlob(dir: string, entry: FileEntry): void {
  const file = blobFile(dir, entry.hash);
  if (existsSync(file)) return;
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify({ ...entry, resolved: [] }));
}

function readBlob(dir: string, hash: string): FileEntry | null {
  try {
    return JSON.parse(readFileSync(blobFile(dir, hash), 'utf8')) as FileEntry;
  } catch {
    return null;
  }
}

function writeManifest(dir: string, m: Manifest): void {
  mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `manifest.json.${process.pid}.tmp`);
  writeFileSync(tmp, JSON.stringify(m));
  renameSync(tmp, path.join(dir, 'manifest.json')); // readers never see a half-written manifest
}

/** Tracked files with their blob hash (unchanged in the work tree), plus untracked, non-ignored ones. */
async function listFiles(root: string): Promise<{ path: string; hash: string | null }[]> {
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
function blobHash(buf: Buffer): string {
  return createHash('sha1').update(`blob ${buf.length}\0`).update(buf).digest('hex');
}

async function indexFile(
  rel: string,
  text: string,
  hash: string,
  lang: LangId,
  parsers: Map<LangId, Parser>,
): Promise<FileEntry> {
  const { language, query } = await loadLanguage(lang);
  let parser = parsers.get(lang);
  if (!parser) {
    const m = await treeSitter();
    parser = new m.Parser();
    parser.setLanguage(language);
    parsers.set(lang, parser);
  }
  const tree = parser.parse(text);
  if (!tree) throw new Error('parser returned no tree');
  const lines = text.split('\n');
  const defs: Definition[] = [];
  const refNames: string[] = [];
  const refLines: number[] = [];
  const imports: string[] = [];
  const seenDefs = new Map<string, Definition>();
  try {
    for (const match of query.matches(tree.rootNode)) {
      let name: Node | undefined;
      let kind: string | undefined;
      let node: Node | undefined;
      for (const c of match.captures) {
        if (c.name === 'name') name = c.node;
        else if (c.name === 'import') imports.push(c.node.text.replace(/^["'`]|["'`]$/g, ''));
        else if (c.name.startsWith('definition.') || c.name.startsWith('reference.')) {
          kind = c.name;
          node = c.node;
        }
      }
      if (!name || !kind || !node) continue;
      if (kind.startsWith('definition.')) {
        const key = `${name.text}:${node.startPosition.row}`;
        const seen = seenDefs.get(key);
        if (seen) {
          // `export const f = () => …` matches as a constant and as a function: it is a function.
          if (seen.kind === 'constant' && kind === 'definition.function') seen.kind = 'function';
          continue;
        }
        const def: Definition = {
          name: name.text,
          kind: kind.slice('definition.'.length),
          startLine: node.startPosition.row + 1,
          endLine: node.endPosition.row + 1,
          signature: signatureOf(lines, node.startPosition.row),
        };
        seenDefs.set(key, def);
        defs.push(def);
      } else {
        refNames.push(name.text);
        refLines.push(name.startPosition.row + 1);
      }
    }
  } finally {
    tree.delete();
  }
  // The import header: where a dropped or wrong import is repaired.
  let importEnd = 0;
  for (let i = 0; i < Math.min(lines.length, 400); i++) {
    if (!/^\s*(import\b|from\s+\S+\s+import\b|use\s|package\s)/.test(lines[i]!)) continue;
    // A multi-line import runs to its module specifier (or a closing parenthesis in Python/Go).
    let end = i;
    while (
      end < lines.length - 1 &&
      end - i < 60 &&
      !/(from\s*['"][^'"]*['"]|^\s*\)|;)\s*$/.test(lines[end]!) &&
      !/^\s*(import|use)\b.*['"]\s*;?\s*$/.test(lines[end]!)
    )
      end++;
    importEnd = end + 1;
    i = end;
  }
  return {
    path: rel,
    hash,
    lines: lines.length,
    importEnd,
    defs,
    refs: { names: refNames, lines: refLines },
    imports: [...new Set(imports)],
    resolved: [],
  };
}

/** The head of a definition: up to its opening brace or arrow, across at most 4 lines, whitespace folded. */
function signatureOf(lines: string[], row: number): string {
  let head = '';
  for (let i = row; i < Math.min(lines.length, row + 4); i++) {
    head += ' ' + lines[i]!.trim();
    if (/[{:=]\s*$|=>|;\s*$/.test(lines[i]!) || (i === row && /\)\s*[:{]/.test(lines[i]!))) break;
  }
  head = head
    .trim()
    .replace(/\s+/g, ' ')
    .replace(/\s*\{\s*$/, '');
  return head.length > 200 ? `${head.slice(0, 197)}...` : head;
}
