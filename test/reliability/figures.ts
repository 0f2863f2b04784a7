import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../helpers.js';

/** Where the suite leaves its measured figures for `npm run reliability` (budget stress numbers). */
export const FIGURES = path.join(
  ROOT,
  'node_modules',
  '.cache',
  'distiq-reliability',
  'figures.json',
);

export function recordFigures(key: string, value: Record<string, number | string>): void {
  mkdirSync(path.dirname(FIGURES), { recursive: true });
  let all: Record<string, unknown> = {};
  try {
    all = JSON.parse(readFileSync(FIGURES, 'utf8'));
  } catch {
    // first figure of this run
  }
  all[key] = value;
  writeFileSync(FIGURES, JSON.stringify(all, null, 2));
}
