import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { runCommand } from '../validation/run-command.js';
import { shellQuote as quote } from '../util-shell.js';
import type { FileEdit, Fixer } from './fixer.js';

/** Files prettier flagged (`prettier --check`, or eslint's prettier/prettier rule), formatted by the repo's own prettier. */
export const prettierFixer: Fixer = {
  name: 'prettier',
  async propose(failures, ctx) {
    const files = [
      ...new Set(
        failures
          .filter((f) => (f.tool === 'prettier' || f.code === 'prettier/prettier') && f.file)
          .map((f) => f.file!),
      ),
    ].filter((f) => existsSync(path.join(ctx.root, f)));
    const bin = path.join(ctx.root, 'node_modules', '.bin', 'prettier');
    if (files.length === 0 || !existsSync(bin)) return [];
    const edits: FileEdit[] = [];
    for (const file of files) {
      // prettier prints the formatted file on stdout when given one path and no --write.
      const run = await runCommand(`${quote(bin)} -- ${quote(file)}`, {
        cwd: ctx.root,
        timeoutMs: 60_000,
        secretEnvVars: ctx.secretEnvVars,
        signal: ctx.signal,
      });
      if (run.exitCode !== 0) continue;
      const before = readFileSync(path.join(ctx.root, file), 'utf8');
      if (run.stdout !== before) edits.push({ path: file, before, after: run.stdout });
    }
    return edits.length
      ? [{ fixer: 'prettier', descriptions: edits.map((e) => `${e.path}: prettier`), edits }]
      : [];
  },
};
