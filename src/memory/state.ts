import { mkdirSync } from 'node:fs';
import { stateDir } from '../state-dir.js';

let override: string | undefined;

/**
 * The Action keeps memory, replay cache and outcome log beside its ledger, in the folder the
 * workflow restores and saves with actions/cache: a fresh checkout's `.git` would forget them.
 */
export function useMemoryStateDir(dir: string | undefined): void {
  override = dir;
}

/**
 * distiq's state folder for memory, replay cache and outcome log: the one state dir
 * (`<git common dir>/distiq`, see src/state-dir.ts), out of reach of every edit, unless the Action
 * moved it next to its cached ledger (outside the checkout, so out of reach too).
 */
export function memoryStateDir(root: string): string {
  return override ?? stateDir(root);
}

export function ensureDir(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return dir;
}
