import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import MiniSearch from 'minisearch';
import { z } from 'zod';
import { DistiqError, ExitCode } from '../errors.js';
import type { Failure } from '../validation/failure.js';
import { canonicalJson, sha256 } from './canonical-json.js';
import {
  type FailureSite,
  type Fingerprint,
  fingerprintOf,
  fingerprintText,
} from './fingerprint.js';
import type { Hunk } from './hunks.js';

export const MEMORY_FORMAT = 'distiq-memory';
export const MAX_MEMORY_ENTRIES = 2000;
export const MAX_MEMORY_BYTES = 8 * 1024 * 1024;
const MAX_TEXT = 20_000;

/** A repo-relative POSIX path: no absolute path, no `..`, nothing in `.git`. Checked again on apply. */
const relPath = z
  .string()
  .min(1)
  .max(1000)
  .refine(
    (p) =>
      !p.includes('\0') &&
      !p.startsWith('/') &&
      !/^[A-Za-z]:/.test(p) &&
      !p.split(/[\\/]/).some((s) => s === '..' || s === '.git'),
    'a repo-relative path inside the repository',
  );

const entrySchema = z
  .object({
    id: z.string().regex(/^[0-9a-f]{64}$/),
    fingerprint: z
      .object({
        tool: z.string().max(100),
        code: z.string().max(200).nullable(),
        message: z.string().max(MAX_TEXT),
        shape: z.string().max(MAX_TEXT),
        key: z.string().regex(/^[0-9a-f]{64}$/),
      })
      .strict(),
    site: z
      .object({
        file: relPath.nullable(),
        names: z.array(z.string().max(400)).max(50),
        line: z.string().max(MAX_TEXT),
      })
      .strict(),
    hunks: z
      .array(
        z
          .object({
            path: relPath,
            search: z.string().min(1).max(MAX_TEXT),
            replace: z.string().max(MAX_TEXT),
          })
          .strict(),
      )
      .min(1)
      .max(20),
    /** The tier that first proved this repair, and what it cost then (the saving of each reuse). */
    tier: z.string().max(40),
    usd: z.number().min(0).finite(),
    learnedAt: z.string().max(40),
    lastUsedAt: z.string().max(40),
    uses: z.number().int().min(0),
  })
  .strict();
export type MemoryEntry = z.infer<typeof entrySchema>;

const fileSchema = z
  .object({
    format: z.literal(MEMORY_FORMAT),
    version: z.literal(1),
    entries: z.array(entrySchema).max(MAX_MEMORY_ENTRIES * 5),
  })
  .strict();

/** A memory file that is not distiq's, corrupt, or too large: refused whole, nothing merged. */
export class MemoryFileError extends DistiqError {
  constructor(file: string, reason: string) {
    super(
      `Refused memory file ${file}: ${reason}`,
      ExitCode.USAGE,
      'Export a memory with `distiq memory export FILE`; only that format is accepted.',
    );
  }
}

export interface Candidate {
  entry: MemoryEntry;
  /** exact: same fingerprint; similar: nearest by BM25 over the abstracted fingerprint. */
  match: 'exact' | 'similar';
  score: number;
}

export interface MemorySize {
  entries: number;
  bytes: number;
  evicted: number;
}

/**
 * Proven repairs, keyed by failure fingerprint, kept in distiq's state (`memory.json`). Bounded:
 * beyond `maxEntries` the least used, then oldest, entries are evicted. Loading a corrupt file
 * never fails a run (it is set aside and memory starts empty); importing one is refused.
 */
export class FixMemory {
  private entries = new Map<string, MemoryEntry>();
  private index: MiniSearch<{ id: string; text: string; tool: string }> | null = null;
  evicted = 0;
  warning: string | null = null;

  constructor(
    readonly file: string,
    private readonly maxEntries = MAX_MEMORY_ENTRIES,
  ) {}

  static load(file: string, maxEntries = MAX_MEMORY_ENTRIES): FixMemory {
    const m = new FixMemory(file, maxEntries);
    try {
      for (const e of readMemoryFile(file)) m.entries.set(e.id, e);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        m.warning = `fix memory ignored: ${(err as Error).message}`;
        try {
          renameSync(file, `${file}.corrupt`);
        } catch {
          // leave it; it is re-read (and ignored) next time
        }
      }
    }
    return m;
  }

  all(): MemoryEntry[] {
    return [...this.entries.values()];
  }

  /** Records a proven repair; the same repair of the same fingerprint is one entry. */
  learn(
    failure: Failure,
    fileText: string | null,
    hunks: Hunk[],
    meta: { tier: string; usd: number },
    now = new Date(),
  ): MemoryEntry {
    const { fingerprint, site } = fingerprintOf(failure, fileText);
    const id = sha256(canonicalJson({ k: fingerprint.key, h: hunks }));
    const known = this.entries.get(id);
    const at = now.toISOString();
    const entry: MemoryEntry = known
      ? { ...known, lastUsedAt: at }
      : {
          id,
          fingerprint,
          site,
          hunks,
          tier: meta.tier,
          usd: meta.usd,
          learnedAt: at,
          lastUsedAt: at,
          uses: 0,
        };
    this.entries.set(id, entrySchema.parse(entry));
    this.index = null;
    return entry;
  }

  /** A stored repair proved out again. */
  used(id: string, now = new Date()): void {
    const e = this.entries.get(id);
    if (e) this.entries.set(id, { ...e, uses: e.uses + 1, lastUsedAt: now.toISOString() });
  }

  /**
   * The closest stored repairs for a failure: exact fingerprint matches first (most used first),
   * then the nearest by similarity of the abstracted fingerprint, same tool only.
   */
  candidates(
    failure: Failure,
    fileText: string | null,
    limit = 3,
  ): { fingerprint: Fingerprint; site: FailureSite; candidates: Candidate[] } {
    const { fingerprint, site } = fingerprintOf(failure, fileText);
    const exact = this.all()
      .filter((e) => e.fingerprint.key === fingerprint.key)
      .sort((a, b) => b.uses - a.uses || b.lastUsedAt.localeCompare(a.lastUsedAt))
      .map((entry): Candidate => ({ entry, match: 'exact', score: Infinity }));
    const out = exact.slice(0, limit);
    if (out.length < limit && this.entries.size > 0) {
      const hits = this.search().search(fingerprintText(fingerprint), {
        filter: (r) => r.tool === fingerprint.tool,
        fuzzy: 0.2,
        prefix: true,
        combineWith: 'OR',
      });
      for (const h of hits) {
        if (out.length >= limit) break;
        const entry = this.entries.get(h.id as string);
        if (entry && !out.some((c) => c.entry.id === entry.id))
          out.push({ entry, match: 'similar', score: h.score });
      }
    }
    return { fingerprint, site, candidates: out };
  }

  /** Merges entries (an import); returns how many were new. Bounded afterwards. */
  merge(entries: MemoryEntry[]): number {
    let added = 0;
    for (const e of entries) {
      const known = this.entries.get(e.id);
      if (!known) added++;
      this.entries.set(
        e.id,
        known
          ? {
              ...known,
              uses: Math.max(known.uses, e.uses),
              lastUsedAt: known.lastUsedAt > e.lastUsedAt ? known.lastUsedAt : e.lastUsedAt,
            }
          : e,
      );
    }
    this.index = null;
    return added;
  }

  /** Writes the memory (merged with what another run wrote meanwhile), bounded, by rename. */
  save(): MemorySize {
    try {
      this.merge(readMemoryFile(this.file).filter((e) => !this.entries.has(e.id)));
    } catch {
      // absent or corrupt on disk: ours wins
    }
    this.bound();
    const text = serialize(this.all());
    mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${randomBytes(4).toString('hex')}.tmp`;
    writeFileSync(tmp, text);
    renameSync(tmp, this.file);
    return { entries: this.entries.size, bytes: Buffer.byteLength(text), evicted: this.evicted };
  }

  size(): MemorySize {
    return {
      entries: this.entries.size,
      bytes: Buffer.byteLength(serialize(this.all())),
      evicted: this.evicted,
    };
  }

  /** Least used, then least recently used, go first, until both the count and the bytes fit. */
  private bound(): void {
    const order = () =>
      this.all().sort((a, b) => a.uses - b.uses || a.lastUsedAt.localeCompare(b.lastUsedAt));
    for (const e of order()) {
      if (this.entries.size <= this.maxEntries) break;
      this.entries.delete(e.id);
      this.evicted++;
    }
    while (this.entries.size > 0 && Buffer.byteLength(serialize(this.all())) > MAX_MEMORY_BYTES) {
      const victims = order().slice(0, Math.max(1, Math.ceil(this.entries.size / 10)));
      for (const v of victims) this.entries.delete(v.id);
      this.evicted += victims.length;
    }
    this.index = null;
  }

  private search(): MiniSearch<{ id: string; text: string; tool: string }> {
    if (this.index) return this.index;
    const ms = new MiniSearch<{ id: string; text: string; tool: string }>({
      fields: ['text'],
      storeFields: ['tool'],
    });
    ms.addAll(
      this.all().map((e) => ({
        id: e.id,
        text: fingerprintText(e.fingerprint),
        tool: e.fingerprint.tool,
      })),
    );
    this.index = ms;
    return ms;
  }
}

export function serialize(entries: MemoryEntry[]): string {
  return JSON.stringify({ format: MEMORY_FORMAT, version: 1, entries });
}

/** Reads and validates a memory file; throws MemoryFileError (ENOENT passes through). */
export function readMemoryFile(file: string): MemoryEntry[] {
  const size = statSync(file).size;
  if (size > MAX_MEMORY_BYTES)
    throw new MemoryFileError(file, `${size} bytes, more than the ${MAX_MEMORY_BYTES}-byte limit`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new MemoryFileError(file, `not JSON (${(err as Error).message})`);
  }
  if (!json || typeof json !== 'object' || (json as { format?: unknown }).format !== MEMORY_FORMAT)
    throw new MemoryFileError(
      file,
      `not a distiq memory file (expected "format": "${MEMORY_FORMAT}")`,
    );
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0]!;
    throw new MemoryFileError(
      file,
      `${first.path.join('.') || '(root)'}: ${first.message}${parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more problem(s))` : ''}`,
    );
  }
  for (const e of parsed.data.entries) {
    if (sha256(canonicalJson({ k: e.fingerprint.key, h: e.hunks })) !== e.id)
      throw new MemoryFileError(
        file,
        `entry ${e.id.slice(0, 12)}: its id does not match its content`,
      );
  }
  return parsed.data.entries;
}
