import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Node, Parser } from 'web-tree-sitter';
import { ensureStateDir } from '../budget/ledger.js';
import type { Definition, FileEntry, Reference, RepoIndex } from './index-types.js';
import { languageOf, loadLanguage, treeSitter, type LangId } from './languages.js';
import { resolveImport } from './resolve-import.js';

const run = promisify(execFile);
const MAX_FILE_BYTES = 1024 * 1024;
const CACHE_VERSION = 1;

/**
 * Indexes every tracked source file (git decides what is ignored): definitions with spans and
 * signatures, references, and imports resolved to repo files. Each file is cached by its git blob
 * hash under .distiq/index, so a re-index parses only files whose content changed.
 */
export async function buildIndex(root: string, opts: { onWarn?: (m: string) => void } = {}): Promise<RepoIndex> {
  const started = performance.now();
  let peakRss = process.memoryUsage().rss;
  const cacheFile = path.join(root, '.distiq', 'index', 'index.json');
  const cache = readCache(cacheFile);
  const listed = await listFiles(root);
  const files = new Map<string, FileEntry>();
  const stats = { files: 0, parsed: 0, cached: 0, definitions: 0, references: 0, importEdges: 0, skipped: { binary: 0, tooLarge: 0, unreadable: 0, parseFailed: 0 }, durationMs: 0, peakRssMb: 0 };
  const parsers = new Map<LangId, Parser>();
  for (const { path: rel, hash } of listed) {
    const lang = languageOf(rel);
    if (!lang) continue;
    const hit = hash ? cache.get(rel) : undefined;
    if (hit && hit.hash === hash) {
      files.set(rel, hit);
      stats.cached++;
      continue;
    }
    let buf: Buffer;
    try {
      buf = readFileSync(path.join(root, rel));
    } catch {
      stats.skipped.unreadable++;
      continue;
    }
    if (buf.length > MAX_FILE_BYTES) {
      stats.skipped.tooLarge++;
      continue;
    }
    if (buf.includes(0)) {
      stats.skipped.binary++;
      continue;
    }
    try {
      const entry = await indexFile(rel, buf.toString('utf8'), hash ?? blobHash(buf), lang, parsers);
      files.set(rel, entry);
      stats.parsed++;
    } catch (err) {
      stats.skipped.parseFailed++;
      opts.onWarn?.(`${rel}: not indexed (${err instanceof Error ? err.message : String(err)})`);
    }
    if (stats.parsed % 50 === 0) peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }
  for (const p of parsers.values()) p.delete();
  const known = new Set(files.keys());
  for (const e of files.values()) {
    e.resolved = [...new Set(e.imports.map((i) => resolveImport(e.path, i, known)).filter((r): r is string => Boolean(r)))];
    stats.definitions += e.defs.length;
    stats.references += e.refs.length;
    stats.importEdges += e.resolved.length;
  }
  const skipped = stats.skipped.binary + stats.skipped.tooLarge + stats.skipped.unreadable + stats.skipped.parseFailed;
  if (skipped > 0) opts.onWarn?.(`${skipped} file(s) skipped: ${stats.skipped.binary} binary, ${stats.skipped.tooLarge} over 1 MiB, ${stats.skipped.unreadable} unreadable, ${stats.skipped.parseFailed} failed to parse`);
  stats.files = files.size;
  if (stats.parsed > 0 || cache.size !== files.size) writeCache(root, cacheFile, files);
  stats.durationMs = Math.round(performance.now() - started);
  stats.peakRssMb = Math.round(Math.max(peakRss, process.memoryUsage().rss) / 1048576);
  return { root, files, stats };
}

/** Tracked files with their blob hash (unchanged in the work tree), plus untracked, non-ignored ones. */
async function listFiles(root: string): Promise<{ path: string; hash: string | null }[]> {
  const [staged, modified, untracked] = await Promise.all([
    run('git', ['ls-files', '-s', '-z'], { cwd: root, maxBuffer: 256 * 1024 * 1024 }),
    run('git', ['ls-files', '-m', '-z'], { cwd: root, maxBuffer: 64 * 1024 * 1024 }),
    run('git', ['ls-files', '-o', '--exclude-standard', '-z'], { cwd: root, maxBuffer: 64 * 1024 * 1024 }),
  ]);
  const dirty = new Set(modified.stdout.split('\0').filter(Boolean));
  const out: { path: string; hash: string | null }[] = [];
  for (const rec of staged.stdout.split('\0')) {
    const m = /^\d+ ([0-9a-f]{40}) \d\t(.+)$/.exec(rec);
    if (m && !dirty.has(m[2]!)) out.push({ path: m[2]!, hash: m[1]! });
    else if (m) out.push({ path: m[2]!, hash: null });
  }
  for (const p of untracked.stdout.split('\0').filter(Boolean)) if (!p.startsWith('.distiq/')) out.push({ path: p, hash: null });
  return out;
}

/** The hash git would give this content, so cached entries match `git ls-files -s`. */
function blobHash(buf: Buffer): string {
  return createHash('sha1').update(`blob ${buf.length}\0`).update(buf).digest('hex');
}

async function indexFile(rel: string, text: string, hash: string, lang: LangId, parsers: Map<LangId, Parser>): Promise<FileEntry> {
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
  const refs: Reference[] = [];
  const imports: string[] = [];
  const seenDefs = new Set<string>();
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
        if (seenDefs.has(key)) continue;
        seenDefs.add(key);
        defs.push({ name: name.text, kind: kind.slice('definition.'.length), startLine: node.startPosition.row + 1, endLine: node.endPosition.row + 1, signature: signatureOf(lines, node.startPosition.row) });
      } else refs.push({ name: name.text, line: name.startPosition.row + 1 });
    }
  } finally {
    tree.delete();
  }
  return { path: rel, hash, lines: lines.length, defs, refs, imports: [...new Set(imports)], resolved: [] };
}

/** The head of a definition: up to its opening brace or arrow, across at most 4 lines, whitespace folded. */
function signatureOf(lines: string[], row: number): string {
  let head = '';
  for (let i = row; i < Math.min(lines.length, row + 4); i++) {
    head += ' ' + lines[i]!.trim();
    if (/[{:=]\s*$|=>|;\s*$/.test(lines[i]!) || (i === row && /\)\s*[:{]/.test(lines[i]!))) break;
  }
  head = head.trim().replace(/\s+/g, ' ').replace(/\s*\{\s*$/, '');
  return head.length > 200 ? `${head.slice(0, 197)}...` : head;
}

function readCache(file: string): Map<string, FileEntry> {
  try {
    const data = JSON.parse(readFileSync(file, 'utf8')) as { version: number; files: FileEntry[] };
    if (data.version !== CACHE_VERSION) return new Map();
    return new Map(data.files.map((f) => [f.path, f]));
  } catch {
    return new Map();
  }
}

function writeCache(root: string, file: string, files: Map<string, FileEntry>): void {
  ensureStateDir(path.join(root, '.distiq'));
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify({ version: CACHE_VERSION, files: [...files.values()] }));
  renameSync(tmp, file); // readers never see a half-written cache
}
