import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import MiniSearch from 'minisearch';
import type { Failure } from '../validation/failure.js';
import { canonicalJson, sha256 } from './canonical-json.js';
import type { EmbeddingRanker } from './embedding-similarity.js';
import {
  type FailureSite,
  type Fingerprint,
  fingerprintOf,
  fingerprintText,
} from './fingerprint.js';
import type { Hunk } from './hunks.js';
import { boundEntries, type MemorySize, readMemoryFile, serialize } from './memory-file.js';
import { entrySchema, MAX_MEMORY_ENTRIES, type MemoryEntry } from './memory-schema.js';

export interface Candidate {
  entry: MemoryEntry;
  /** exact: same fingerprint; similar: nearest by BM25 (or embedding cosine) over the abstracted fingerprint. */
  match: 'exact' | 'similar';
  score: number;
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
    const { fingerprint, site, out } = this.exact(failure, fileText, limit);
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

  /**
   * As `candidates`, with the similar ones ranked by `ranker` (cosine similarity of embeddings
   * of the abstracted fingerprint text) instead of BM25; exact matches still come first.
   */
  async candidatesByEmbedding(
    ranker: EmbeddingRanker,
    failure: Failure,
    fileText: string | null,
    limit = 3,
  ): Promise<{ fingerprint: Fingerprint; site: FailureSite; candidates: Candidate[] }> {
    const { fingerprint, site, out } = this.exact(failure, fileText, limit);
    if (out.length < limit) {
      const docs = this.all()
        .filter((e) => e.fingerprint.tool === fingerprint.tool && !out.some((c) => c.entry === e))
        .map((e) => ({ id: e.id, text: fingerprintText(e.fingerprint) }));
      for (const h of await ranker.rank(fingerprintText(fingerprint), docs)) {
        if (out.length >= limit) break;
        const entry = this.entries.get(h.id);
        if (entry) out.push({ entry, match: 'similar', score: h.score });
      }
    }
    return { fingerprint, site, candidates: out };
  }

  /** Stored repairs of exactly this fingerprint, most used first. */
  private exact(failure: Failure, fileText: string | null, limit: number) {
    const { fingerprint, site } = fingerprintOf(failure, fileText);
    const out = this.all()
      .filter((e) => e.fingerprint.key === fingerprint.key)
      .sort((a, b) => b.uses - a.uses || b.lastUsedAt.localeCompare(a.lastUsedAt))
      .map((entry): Candidate => ({ entry, match: 'exact', score: Infinity }))
      .slice(0, limit);
    return { fingerprint, site, out };
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

  /** Keeps the memory within its bounds (see boundEntries). */
  private bound(): void {
    const { kept, evicted } = boundEntries(this.all(), this.maxEntries);
    this.entries = new Map(kept.map((e) => [e.id, e]));
    this.evicted += evicted;
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
