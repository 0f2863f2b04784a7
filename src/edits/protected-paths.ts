import type { FileEdit } from '../autofix/fixer.js';
import { describeRefusal, type EditScope, type PathPolicy, refusedPath } from './path-policy.js';

const MAX_BYTES = 2_000_000;
const MAX_FILES = 50;

/** What a writer must pass: the policy of the repo as it is now, and the task's scope. */
export interface EditGuard {
  policy: PathPolicy;
  scope?: EditScope;
}

/**
 * Why these edits may not be written, or null. Every path goes through the allowlist of
 * path-policy.ts (one choke point); on top, an attempt is capped in files and bytes.
 * The reason goes back to the model as feedback.
 */
export function refusedEdit(edits: FileEdit[], guard: EditGuard): string | null {
  if (edits.length > MAX_FILES)
    return `the edits touch ${edits.length} files; at most ${MAX_FILES} per attempt`;
  const bytes = edits.reduce((a, e) => a + Buffer.byteLength(e.after ?? ''), 0);
  if (bytes > MAX_BYTES) return `the edits write ${bytes} bytes; at most ${MAX_BYTES} per attempt`;
  for (const e of edits) {
    const refusal = refusedPath(guard.policy, e.path, guard.scope);
    if (refusal) return describeRefusal(e.path, refusal);
  }
  return null;
}
