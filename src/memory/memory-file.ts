// The memory file: its format (zod-validated on every read, never trusted), reading, writing and
// the bound on its size. FixMemory (store/retrieve) is built on it.
import { statSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { DistiqError, ExitCode } from '../errors.js';
import { canonicalJson, sha256 } from './canonical-json.js';

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

export const entrySchema = z
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
