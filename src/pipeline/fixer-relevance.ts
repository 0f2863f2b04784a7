import type { Fixer } from '../autofix/fixer.js';
import type { Failure } from '../validation/failure.js';

/**
 * Which failures each $0 fixer can act on (the same tests its `propose` starts with), so that
 * progress and dry runs name only fixers that apply: no "rustc computing repairs" in a Python
 * repo. A fixer not listed here is always asked.
 */
const ACTS_ON: Record<string, (f: Failure) => boolean> = {
  typescript: (f) => f.file !== null && (f.tool === 'tsc' || /\.(c|m)?tsx?$/.test(f.file)),
  eslint: (f) => f.file !== null && f.tool === 'eslint',
  prettier: (f) => f.file !== null && (f.tool === 'prettier' || f.code === 'prettier/prettier'),
  rustc: (f) => f.tool === 'cargo',
};

export function relevantFixers(fixers: Fixer[], failures: readonly Failure[]): Fixer[] {
  return fixers.filter((fixer) => {
    const acts = ACTS_ON[fixer.name];
    return acts === undefined || failures.some(acts);
  });
}
