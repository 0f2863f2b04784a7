// The memory file's format: one zod schema per entry and for the whole file. Every read is
// validated against it (a memory file is never trusted); memory-file.ts reads and writes it.
import { z } from 'zod';

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

export const fileSchema = z
  .object({
    format: z.literal(MEMORY_FORMAT),
    version: z.literal(1),
    entries: z.array(entrySchema).max(MAX_MEMORY_ENTRIES * 5),
  })
  .strict();
