import type { BaseChoice } from './history.js';
import type { Failure } from '../validation/failure.js';

/** A whole-file replacement; `before` null means the file is created, `after` null that it is deleted. */
export interface FileEdit {
  /** Repo-relative POSIX path. */
  path: string;
  before: string | null;
  after: string | null;
}

export interface RepairProposal {
  fixer: string;
  /** One line per repair, for the report and --dry-run. */
  descriptions: string[];
  edits: FileEdit[];
  /** Why this repair goes in the direction it does (e.g. a rename back rather than forward). */
  why?: string;
}

export interface FixerContext {
  root: string;
  secretEnvVars: readonly string[];
  signal?: AbortSignal;
  /** Where the last green commit comes from (`--base`, config `fix.base`); defaults apply. */
  base?: BaseChoice;
}

/**
 * A deterministic, $0 repair strategy. It only proposes: the pipeline applies a proposal,
 * re-runs validation, and keeps it only if failures went down with none new.
 */
export interface Fixer {
  name: string;
  /** Proposals in order of preference: usually all repairs at once, then each alone. */
  propose(failures: Failure[], ctx: FixerContext): Promise<RepairProposal[]>;
}
