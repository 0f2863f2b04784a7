import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * The suite needs real tools. A missing one fails the run loudly here instead of
 * letting tests skip: git, cargo (rust fixture), bwrap (the validation sandbox), and the built CLI (`npm test` builds it).
 */
export default function setup(): void {
  const root = path.resolve(import.meta.dirname, '..');
  const missing: string[] = [];
  for (const [tool, args] of [
    ['git', ['--version']],
    ['cargo', ['--version']],
    ['bwrap', ['--version']],
  ] as const) {
    try {
      execFileSync(tool, args, { stdio: 'ignore' });
    } catch {
      missing.push(tool);
    }
  }
  if (!existsSync(path.join(root, 'dist', 'index.js')))
    missing.push('dist/ (run `npm run build`, or use `npm test` which builds first)');
  if (missing.length > 0)
    throw new Error(
      `The test suite needs: ${missing.join(', ')}. Install them (see README "Development").`,
    );
}
