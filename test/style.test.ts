// The style gate of the README's test command: ESLint and Prettier over distiq's own code
// (src, test, bench, scripts), with the repo's configs. Fixtures and dist/ are excluded by them.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers.js';

const bin = (name: string) => path.join(ROOT, 'node_modules', '.bin', name);
const SOURCES = ['src', 'test', 'bench', 'scripts'];

function run(cmd: string, args: string[]): { ok: boolean; output: string } {
  try {
    return {
      ok: true,
      output: execFileSync(cmd, args, { cwd: ROOT, encoding: 'utf8', stdio: 'pipe' }),
    };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

describe('style', () => {
  it('ESLint reports no problem', () => {
    const r = run(bin('eslint'), ['--max-warnings', '0', ...SOURCES]);
    expect(r.output, r.output).toBe('');
    expect(r.ok).toBe(true);
  });

  it('Prettier finds every file formatted', () => {
    const r = run(bin('prettier'), [
      '--check',
      '--log-level',
      'warn',
      ...SOURCES.map((d) => `${d}/**/*.{ts,js,mjs}`),
    ]);
    expect(r.output, r.output).toBe('');
    expect(r.ok).toBe(true);
  });
});
