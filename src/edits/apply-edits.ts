import { promises as fs } from 'node:fs';
import path from 'node:path';
import { DistiqError, ExitCode } from '../errors.js';
import type { FileEdit } from '../autofix/fixer.js';
import { refusedPath } from './path-policy.js';
import { type EditGuard, refusedEdit } from './protected-paths.js';
import { writeJournal } from './journal.js';
import { atomicWrite, readOrNull, resolveSafePath, UnsafePathError } from './safe-write.js';

export { recoverInterruptedEdits } from './journal.js';
export { resolveSafePath, UnsafePathError } from './safe-write.js';

export class StaleEditError extends DistiqError {
  constructor(readonly editPath: string) {
    super(
      `Refused to write ${editPath}: it changed on disk after the repair was computed`,
      ExitCode.NOT_FIXED,
    );
  }
}

/** Edits change bytes of text files only: a binary or non-UTF-8 file would be corrupted by a string edit. */
export class UneditableFileError extends DistiqError {
  constructor(
    readonly editPath: string,
    why: string,
  ) {
    super(
      `Refused to edit ${editPath}: ${why}; distiq edits only UTF-8 text files`,
      ExitCode.NOT_FIXED,
    );
  }
}

/** Why these bytes cannot be edited as text, or null. */
export function notEditableText(bytes: Buffer): string | null {
  if (bytes.includes(0)) return 'it is binary (it contains NUL bytes)';
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return 'it is not valid UTF-8 (another encoding, e.g. Latin-1)';
  }
  return null;
}

export interface AppliedEdits {
  changed: string[];
  /** Restores every touched file byte for byte (and removes created ones). Idempotent. */
  rollback(): Promise<void>;
  /** The edits are proven and stay: the crash journal is dropped. */
  keep(): Promise<void>;
}

interface Original {
  abs: string;
  content: Buffer | null;
  mode: number | null;
}

/**
 * Writes all edits or none: every target is checked before the first byte is written, first by the
 * path policy (the allowlist; the one choke point every writer goes through), then for staleness
 * and encoding. Before the first write, the originals go to a journal in distiq's state dir (inside
 * the git dir), so that a run killed between applying and proving is undone by the next run.
 */
export async function applyEdits(
  root: string,
  edits: FileEdit[],
  guard: EditGuard,
): Promise<AppliedEdits> {
  const refused = refusedEdit(edits, guard);
  if (refused)
    throw new UnsafePathError(
      edits.find((e) => refusedPath(guard.policy, e.path, guard.scope))?.path ?? '',
      refused,
    );
  const plan = edits.map((e) => ({ edit: e, abs: resolveSafePath(root, e.path) }));
  const originals: Original[] = [];
  for (const { edit, abs } of plan) {
    const current = await readOrNull(abs);
    if (current !== null) {
      const why = notEditableText(current);
      if (why) throw new UneditableFileError(edit.path, why);
    }
    // Byte for byte: a string compare would hide a re-encoding.
    const same =
      current === null
        ? edit.before === null
        : edit.before !== null && current.equals(Buffer.from(edit.before, 'utf8'));
    if (!same) throw new StaleEditError(edit.path);
    const mode = current === null ? null : (await fs.stat(abs)).mode;
    originals.push({ abs, content: current, mode });
  }
  const journal = await writeJournal(
    root,
    plan.map(({ edit }, i) => ({
      path: edit.path,
      original: originals[i]!.content,
      mode: originals[i]!.mode,
      written: edit.after,
    })),
  );
  let rolledBack = false;
  const rollback = async () => {
    if (rolledBack) return;
    rolledBack = true;
    for (const o of [...originals].reverse()) {
      if (o.content === null) await fs.rm(o.abs, { force: true });
      else await atomicWrite(o.abs, o.content, o.mode);
    }
    await fs.rm(journal, { force: true });
  };
  const keep = async () => {
    await fs.rm(journal, { force: true });
  };
  try {
    for (const [i, { edit, abs }] of plan.entries()) {
      if (edit.after === null) {
        await fs.rm(abs, { force: true });
        continue;
      }
      await fs.mkdir(path.dirname(abs), { recursive: true });
      await atomicWrite(abs, Buffer.from(edit.after, 'utf8'), originals[i]!.mode);
    }
  } catch (err) {
    await rollback();
    throw err;
  }
  return { changed: plan.map((p) => p.edit.path), rollback, keep };
}
