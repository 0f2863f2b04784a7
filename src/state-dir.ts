import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Creates distiq's state folder with a `.gitignore` of `*`, so it never shows up as the user's change. */
export function ensureStateDir(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const ignore = path.join(dir, '.gitignore');
  if (path.basename(dir) === '.distiq' && !existsSync(ignore)) writeFileSync(ignore, '*\n');
}
