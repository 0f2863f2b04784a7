import type { FileEdit } from '../autofix/fixer.js';
import { errorMessage } from '../errors.js';
import { applyEdits } from './apply-edits.js';
import { guardSurface } from './restore-surface.js';
import type { EditGuard } from './protected-paths.js';

export type ProofResult<V> =
  | { kept: true; reason: string; validation: V; changed: string[] }
  | {
      kept: false;
      reason: string;
      validation?: V;
      interrupted?: boolean;
      tampered?: string[];
      refused?: boolean;
    };

export interface ProveOptions<V> {
  root: string;
  edits: FileEdit[];
  guard: EditGuard;
  /** Runs the validation commands on the tree with the edits applied. */
  validate: () => Promise<V>;
  /** Keep or not, from the validation's result. */
  judge: (validation: V) => { keep: boolean; reason: string };
  signal?: AbortSignal;
}

/**
 * The one way an edit is proven (the $0 fixers, model edits, the planner's code): apply it through
 * the path policy, record the proof surface, run the commands, and keep the edit only when the
 * commands say so AND they changed nothing beyond the edit itself. Whatever the commands changed
 * (a planted hook, a rewritten shim, a new workflow) is restored byte for byte and named in the
 * reason; a rejected edit is rolled back exactly.
 */
export async function proveEdits<V>(o: ProveOptions<V>): Promise<ProofResult<V>> {
  let applied;
  try {
    applied = await applyEdits(o.root, o.edits, o.guard);
  } catch (err) {
    return { kept: false, reason: errorMessage(err), refused: true };
  }
  let validation: V;
  let tampered: string[];
  try {
    // Also when validation throws or is interrupted, nothing it planted may stay.
    ({ result: validation, tampered } = await guardSurface(o.root, o.validate));
  } catch (err) {
    await applied.rollback(); // crashed mid-validation: never leave an unproven edit
    throw err;
  }
  if (o.signal?.aborted) {
    await applied.rollback(); // validation was cut short: the edit is unproven
    return {
      kept: false,
      reason: 'interrupted',
      interrupted: true,
      ...(tampered.length ? { tampered } : {}),
    };
  }
  if (tampered.length > 0) {
    await applied.rollback();
    const shown =
      tampered.slice(0, 10).join(', ') + (tampered.length > 10 ? `, … (${tampered.length})` : '');
    return {
      kept: false,
      validation,
      tampered,
      reason: `the validation commands changed files beyond the edit (restored): ${shown}; a proof may not change the tree, hooks, git config, node_modules/.bin or package manager configs`,
    };
  }
  const verdict = o.judge(validation);
  if (!verdict.keep) {
    await applied.rollback();
    return { kept: false, reason: verdict.reason, validation };
  }
  await applied.keep();
  return { kept: true, reason: verdict.reason, validation, changed: applied.changed };
}
