import type { FileEdit } from '../autofix/fixer.js';
import { diffFailures, type Failure, failureKey } from '../validation/failure.js';
import type { Validation } from '../validation/validate.js';

/** A kept repair: which failures it removed and which files it changed. */
export interface KeptRepair {
  fixed: Set<string>;
  files: string[];
  /** The repair's edits (a model's answer may be judged on the tree before them). */
  edits?: FileEdit[];
}

export function keptRepair(
  before: Validation,
  after: Validation,
  changed: Iterable<string>,
  edits?: FileEdit[],
): KeptRepair {
  return {
    fixed: new Set(diffFailures(before.failures, after.failures).fixed.map(failureKey)),
    files: [...changed],
    ...(edits ? { edits } : {}),
  };
}

/** The kept repairs that removed at least one of a task's failures. */
export function keptFor(kept: KeptRepair[] | undefined, failures: Failure[]): KeptRepair[] {
  const keys = new Set(failures.map(failureKey));
  return (kept ?? []).filter((k) => [...k.fixed].some((f) => keys.has(f)));
}

/**
 * Every file a task's repairs changed, also outside the files its failures name (a renamed
 * declaration is repaired in the declaring file, which no failure names).
 */
export function changedFor(
  kept: KeptRepair[] | undefined,
  failures: Failure[],
  own: string[],
): string[] {
  return [...new Set([...own, ...keptFor(kept, failures).flatMap((k) => k.files)])].sort();
}
