import { mkdirSync } from 'node:fs';
import { stateDir } from '../state-dir.js';

/**
 * distiq's state folder for memory, replay cache and outcome log: the one state dir
 * (`<git common dir>/distiq`, see src/state-dir.ts), out of reach of every edit.
 */
export function memoryStateDir(root: string): string {
  return stateDir(root);
}

export function ensureDir(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return dir;
}
