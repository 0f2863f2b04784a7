import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { shellQuote as quote } from '../util-shell.js';
import { runCommand } from '../validation/run-command.js';
import type { FileEdit, Fixer } from './fixer.js';

interface EslintResult {
  filePath: string;
  output?: string;
  source?: string;
}

/** `eslint --fix-dry-run` with the repo's own eslint and config: fixes are computed, nothing is written. */
export const eslintFixer: Fixer = {
  name: 'eslint',
  async propose(failures, ctx) {
    const files = [
      ...new Set(failures.filter((f) => f.tool === 'eslint' && f.file).map((f) => f.file!)),
    ].filter((f) => existsSync(path.join(ctx.root, f)));
    const bin = path.join(ctx.root, 'node_modules', '.bin', 'eslint');
    if (files.length === 0 || !existsSync(bin)) return [];
    const run = await runCommand(
      `${quote(bin)} --fix-dry-run --format json -- ${files.map(quote).join(' ')}`,
      { cwd: ctx.root, timeoutMs: 120_000, secretEnvVars: ctx.secretEnvVars, signal: ctx.signal },
    );
    let results: EslintResult[];
    try {
      results = JSON.parse(run.stdout) as EslintResult[];
    } catch {
      return []; // eslint itself failed (bad config, crash): nothing safe to propose
    }
    const edits: FileEdit[] = [];
    for (const r of results) {
      if (typeof r.output !== 'string') continue;
      const rel = path.relative(ctx.root, r.filePath).split(path.sep).join('/');
      if (rel.startsWith('..')) continue;
      // eslint omits `source` when it has `output`: the file on disk is the base of the edit.
      edits.push({ path: rel, before: readFileSync(r.filePath, 'utf8'), after: r.output });
    }
    if (edits.length === 0) return [];
    return [{ fixer: 'eslint', descriptions: edits.map((e) => `${e.path}: eslint --fix`), edits }];
  },
};
