// The memory file: reading (validated against memory-schema.ts on every read, never trusted),
// writing and the bound on its size. FixMemory (store/retrieve) is built on it.
import { statSync, readFileSync } from 'node:fs';
import { DistiqError, ExitCode } from '../errors.js';
import { canonicalJson, sha256 } from './canonical-json.js';
import { fileSchema, MAX_MEMORY_BYTES, MEMORY_FORMAT, type MemoryEntry } from './memory-schema.js';

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

export interface MemorySize {
  entries: number;
  bytes: number;
  evicted: number;
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

/**
 * The entries that stay when at most `maxEntries` and MAX_MEMORY_BYTES may: least used, then
 * least recently used, go first. Returns the kept entries and how many were evicted.
 */
export function boundEntries(
  entries: MemoryEntry[],
  maxEntries: number,
): { kept: MemoryEntry[]; evicted: number } {
  // Ascending: the first are the first to go (ties keep insertion order, oldest first).
  const order = entries
    .slice()
    .sort((a, b) => a.uses - b.uses || a.lastUsedAt.localeCompare(b.lastUsedAt));
  let kept = order.slice(Math.max(0, order.length - maxEntries));
  while (kept.length > 0 && Buffer.byteLength(serialize(kept)) > MAX_MEMORY_BYTES)
    kept = kept.slice(Math.max(1, Math.ceil(kept.length / 10)));
  const ids = new Set(kept.map((e) => e.id));
  return { kept: entries.filter((e) => ids.has(e.id)), evicted: entries.length - kept.length };
}
